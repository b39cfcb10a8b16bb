"""Question import (GIFT and Aiken, previewed before anything is added) and GIFT export, for instructors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assessments import grading
from assessments.aiken import import_aiken
from assessments.blocks import raw_question_block
from assessments.gift import ImportReport, export_gift, import_gift
from assessments.models import QuestionImportDraft, QuizPage
from assessments.services._common import check_instructor, now_or
from assessments.services.errors import ImportRefused
from lms.models import User

IMPORT_DRAFT_TTL = timedelta(hours=1)
IMPORTERS: dict[str, Callable[[str], ImportReport]] = {"gift": import_gift, "aiken": import_aiken}


@transaction.atomic
def quiz_import_preview(
    *, quiz: QuizPage, user: User, text: str, fmt: str, source_name: str = "", now: datetime | None = None
) -> QuestionImportDraft:
    """Read GIFT or Aiken text question by question and keep the result as the instructor's import draft for
    this quiz, replacing any earlier one. Nothing is added to the quiz yet. Instructors of the course only.
    """
    check_instructor(user=user, item=quiz)
    importer = IMPORTERS.get(fmt)
    if importer is None:
        raise ImportRefused(_("Choose GIFT or Aiken."))
    report = importer(text)
    if not report.entries:
        raise ImportRefused(_("The file holds no questions: check that it is in the format you chose."))
    draft, _created = QuestionImportDraft.objects.update_or_create(
        quiz=quiz,
        user=user,
        defaults={
            "token": uuid.uuid4(),
            "fmt": fmt,
            "source_name": source_name[:255],
            "report": report.to_data(),
            "created_at": now_or(now),
        },
    )
    return draft


def _stale_message() -> str:
    return _(
        "This preview can no longer be imported: it was already imported, replaced by a newer upload, is more "
        "than an hour old, or is not yours. Upload the file again."
    )


@transaction.atomic
def quiz_import_questions(
    *, quiz: QuizPage, user: User, token: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Append the ready questions of the instructor's import draft (`token`, from its preview) to the quiz as a
    new draft revision, and delete the import draft. Broken questions and descriptions are left out.

    Refuses a token that is not the instructor's current draft for this quiz, or a draft older than
    IMPORT_DRAFT_TTL, so importing twice or from an old tab adds nothing. Locks the draft and the quiz page row.
    """
    check_instructor(user=user, item=quiz)
    try:
        key = uuid.UUID(token)
    except (TypeError, ValueError):
        raise ImportRefused(_stale_message()) from None
    draft = QuestionImportDraft.objects.select_for_update().filter(quiz=quiz, user=user, token=key).first()
    if draft is None or draft.created_at < now_or(now) - IMPORT_DRAFT_TTL:
        raise ImportRefused(_stale_message())
    questions = [q for q in ImportReport.from_data(draft.report).questions if not grading.validate_question(q)]
    if not questions:
        raise ImportRefused(_("No question of this file can be imported: fix the file and upload it again."))
    QuizPage.objects.select_for_update().only("pk").get(pk=quiz.pk)
    page = QuizPage.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    page.questions = [*page.questions.raw_data, *(raw_question_block(q) for q in questions)]
    page.save_revision(user=user, log_action=True)
    draft.delete()
    return questions


def quiz_export_gift(*, quiz: QuizPage, user: User) -> str:
    """The quiz's latest revision as GIFT text; questions GIFT cannot hold are noted in comment lines."""
    check_instructor(user=user, item=quiz)
    draft = QuizPage.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    bank, _layout = draft.question_bank()
    return export_gift(list(bank.values())).text
