"""Task submissions: the learner's cleaned rich text, checked link and files (streamed, or sent straight to S3)."""

from __future__ import annotations

import re
from datetime import datetime

import bleach
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Submission, SubmissionFile, SubmissionState, TaskPage
from assessments.services._common import check_learner, lock_learner, now_or
from assessments.services.errors import SubmissionRefused
from lms.models import User
from media.models import PrivateFile
from media.uploads import (
    DirectUpload,
    UploadRefused,
    direct_upload_confirm,
    direct_upload_create,
    direct_uploads_discard,
    max_bytes_for,
    private_file_store,
    private_files_discard,
)

MAX_TEXT_CHARS = 100_000
MAX_FILES = 10

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_DROPPED_ELEMENTS = re.compile(r"<(script|style|template|iframe|object|noscript)\b.*?</\1\s*>", re.I | re.S)


def clean_rich_text(html: str) -> str:
    """Learner rich text reduced to an allow-list: no scripts, event handlers, styles or javascript: links.

    The contents of scripts and styles go too (bleach alone would keep them as text); whatever the pattern
    misses is still reduced to escaped text by bleach."""
    return bleach.clean(
        _DROPPED_ELEMENTS.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    ).strip()


def clean_link(link: str) -> str:
    link = link.strip()
    if not link:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(link)
    except Exception:  # noqa: BLE001 - any refusal of the validator is the same message
        raise SubmissionRefused(_("A link must be a web address starting with http:// or https://.")) from None
    return link


def submission_create(
    *,
    task: TaskPage,
    user: User,
    text: str = "",
    link: str = "",
    files: list[UploadedFile] | None = None,
    direct_uploads: list[str] | None = None,
    now: datetime | None = None,
) -> Submission:
    """Submit work for a task: rich text (cleaned), a link (http/https) and files (checked, stored privately).

    `files` are streamed uploads; `direct_uploads` are the names of files the browser sent straight to S3
    (see `task_direct_upload`), each confirmed on the server (size by HEAD, type by first bytes) first.
    Locks the learner's user row; the database allows one submission waiting for grading per learner and task.

    Files reach storage before their rows commit, so this is the outermost transaction (durable): when it does
    not commit (a refusal, a constraint, a database error, even at COMMIT), every file stored for it is deleted.
    """
    stored: list[PrivateFile] = []
    try:
        with transaction.atomic(durable=True):
            return _submission_create(
                task=task,
                user=user,
                text=text,
                link=link,
                files=files or [],
                direct_uploads=direct_uploads or [],
                now=now_or(now),
                stored=stored,
            )
    except BaseException:
        private_files_discard(stored)
        direct_uploads_discard(owner=user, names=direct_uploads or [])
        raise


def _previous_submission(*, task: TaskPage, user: User) -> Submission | None:
    """The learner's latest submission for `task`, once it allows a new one (refused while one waits for grading,
    or once graded when the task takes no resubmissions)."""
    previous = Submission.objects.filter(task=task, learner=user).order_by("-number").first()
    if previous is not None:
        if previous.state == SubmissionState.SUBMITTED:
            raise SubmissionRefused(_("Your previous submission is waiting for grading."))
        if previous.state == SubmissionState.GRADED and not task.resubmissions_allowed:
            raise SubmissionRefused(_("This task has been graded and does not take resubmissions."))
    return previous


def _store_files(
    *, task: TaskPage, user: User, files: list[UploadedFile], direct_uploads: list[str], stored: list[PrivateFile]
) -> None:
    """Check and store each file of a submission privately, appending it to `stored` as soon as it is stored."""
    allowed, max_bytes = task.file_types(), max_bytes_for(task.max_file_mb)
    active = task.allow_active_files
    try:
        for upload in files:
            stored.append(
                private_file_store(owner=user, upload=upload, allowed=allowed, max_bytes=max_bytes, allow_active=active)
            )
        for name in direct_uploads:
            stored.append(
                direct_upload_confirm(owner=user, name=name, allowed=allowed, max_bytes=max_bytes, allow_active=active)
            )
    except UploadRefused as refused:
        raise SubmissionRefused(refused.message) from None


def _submission_create(
    *,
    task: TaskPage,
    user: User,
    text: str,
    link: str,
    files: list[UploadedFile],
    direct_uploads: list[str],
    now: datetime,
    stored: list[PrivateFile],
) -> Submission:
    """The body of `submission_create`, inside its transaction; appends each file it stores to `stored`."""
    check_learner(user=user, item=task)
    lock_learner(user)
    previous = _previous_submission(task=task, user=user)
    if len(text) > MAX_TEXT_CHARS:
        raise SubmissionRefused(_("The text is too long."))
    cleaned = clean_rich_text(text) if task.accept_text else ""
    link = clean_link(link) if task.accept_link else ""
    if (files or direct_uploads) and not task.accept_files:
        raise SubmissionRefused(_("This task does not take files."))
    if len(files) + len(direct_uploads) > MAX_FILES:
        raise SubmissionRefused(_("Send at most %(n)d files.") % {"n": MAX_FILES})
    if not (bleach.clean(cleaned, tags=set(), strip=True).strip() or link or files or direct_uploads):
        raise SubmissionRefused(_("Your submission is empty."))
    _store_files(task=task, user=user, files=files, direct_uploads=direct_uploads, stored=stored)
    live = TaskPage.objects.get(pk=task.pk)
    submission = Submission.objects.create(
        learner=user,
        task=task,
        revision_id=live.live_revision_id or live.latest_revision_id,
        number=(previous.number + 1) if previous else 1,
        text=cleaned,
        link=link,
        submitted_at=now,
    )
    SubmissionFile.objects.bulk_create([SubmissionFile(submission=submission, upload=f) for f in stored])
    return submission


def task_direct_upload(*, task: TaskPage, user: User, filename: str) -> DirectUpload:
    """A presigned POST for one file of a task submission, straight to the private bucket (S3 only)."""
    check_learner(user=user, item=task)
    if not task.accept_files:
        raise SubmissionRefused(_("This task does not take files."))
    try:
        return direct_upload_create(owner=user, filename=filename, max_bytes=max_bytes_for(task.max_file_mb))
    except UploadRefused as refused:
        raise SubmissionRefused(refused.message) from None
