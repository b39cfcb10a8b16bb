"""Validated uploads into private storage, short-lived links to them, and presigned direct uploads.

A file's type is what its first bytes say, never what its name says: a `.pdf` that starts like a ZIP is
refused. Sizes are capped before anything is stored. Direct-to-S3 uploads are confirmed by the server
(HEAD for the size, a ranged GET for the first bytes) before they become a PrivateFile, because S3-alike
servers do not all enforce the conditions of a presigned POST.
"""

from __future__ import annotations

import itertools
import logging
import posixpath
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from lms.models import User
from media.models import PrivateFile
from media.storage import private_bucket, private_location, s3_browser_client, s3_client, uses_s3

logger = logging.getLogger(__name__)

LINK_SECONDS = 300
SNIFF_BYTES = 512
_SIGNING_SALT = "media.private-file"


@dataclass(frozen=True)
class FileType:
    content_type: str
    signatures: tuple[bytes, ...]
    label: str


_ZIP = (b"PK\x03\x04",)
KNOWN_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", (b"%PDF-",), "PDF"),
    "png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",), "PNG"),
    "jpg": FileType("image/jpeg", (b"\xff\xd8\xff",), "JPEG"),
    "gif": FileType("image/gif", (b"GIF87a", b"GIF89a"), "GIF"),
    "zip": FileType("application/zip", _ZIP, "ZIP"),
    "docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP, "Word"),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP, "Excel"),
    "pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP, "PowerPoint"),
    "txt": FileType("text/plain", (), "text"),
    "md": FileType("text/markdown", (), "Markdown"),
    "yaml": FileType("application/yaml", (), "YAML"),
    "csv": FileType("text/csv", (), "CSV"),
    # Always served as a download (Content-Disposition: attachment, nosniff); one with scripts is refused unless the
    # task allows active content.
    "svg": FileType("image/svg+xml", (), "SVG"),
}
_TEXT_TYPES = ("txt", "md", "yaml", "csv", "svg")
_EXTENSIONS = {"jpeg": "jpg", "yml": "yaml", "markdown": "md"}


# Active content: what a browser would run if the file were ever shown inline. Markup a browser sniffs as HTML at
# the start of a file (the WHATWG MIME sniffing patterns); anywhere in it, scripts, event handlers, script URLs
# (entity-encoded too), embedded documents, XML stylesheets, XHTML and SVG's foreignObject. An XML prolog or a
# comment is not active: most SVG files start with one.
_LEADING_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p)"
    rb"(?:[\s>/]|$)"
)
_ACTIVE_PATTERNS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"<(?:[\w.-]+:)?script(?:[\s>/]|$)"), "script"),
    (re.compile(rb"<(?:[\w.-]+:)?foreignobject[\s>/]"), "foreignObject"),
    (re.compile(rb"<(?:[\w.-]+:)?(?:iframe|frame|object|embed|handler)[\s>/]"), "embedded"),
    (re.compile(rb"<\?xml-stylesheet|<xsl:"), "stylesheet"),
    (re.compile(rb"<[a-z][^<>]*\son[a-z]+\s*="), "handler"),
    (re.compile(rb"=\s*[\"']?\s*(?:javascript|vbscript|data:text/html)"), "script"),
    (re.compile(rb"(?:href|to|values|from|by)\s*=\s*[\"']?[^\"'>]*&#"), "script"),
    (re.compile(rb"xmlns(?::[\w.-]+)?\s*=\s*[\"']http://www\.w3\.org/1999/xhtml"), "xhtml"),
)
_ACTIVE_OVERLAP = 256


class UploadRefused(ValueError):
    """An upload that is empty, too big, or not of an allowed type; `message` says which, for the learner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _extension(name: str) -> str:
    ext = posixpath.splitext(name)[1].lower().lstrip(".")
    return _EXTENSIONS.get(ext, ext)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sniffed bytes is still text.
        return error.start >= len(head) - 3
    return True


def sniff(head: bytes, *, name: str) -> str | None:
    """The known type whose signature `head` carries. The name only picks among formats that share one
    signature (ZIP-based Office files; text files), never turns one signature into another."""
    if head.startswith(_ZIP):
        ext = _extension(name)
        return ext if ext in ("docx", "xlsx", "pptx") else "zip"
    for kind, spec in KNOWN_TYPES.items():
        if spec.signatures and any(head.startswith(sig) for sig in spec.signatures):
            return kind
    if not head or not _looks_like_text(head):
        return None
    ext = _extension(name)
    if ext == "svg":
        return "svg" if b"<svg" in head else "txt"
    return ext if ext in _TEXT_TYPES else "txt"


def _active_reason(kind: str) -> str:
    reasons = {
        "html": _("it is an HTML document"),
        "script": _("it contains a script"),
        "foreignObject": _("it embeds a web page in an image (SVG foreignObject)"),
        "embedded": _("it embeds other documents (frames, objects)"),
        "stylesheet": _("it carries an XML stylesheet, which can run code"),
        "handler": _("it contains event handlers (on… attributes), which run code"),
        "xhtml": _("it is an XHTML document"),
    }
    return reasons[kind]


def active_content(chunks: Iterable[bytes]) -> str | None:
    """Why a browser could run this text file if it were ever shown inline, or None. Reads chunk by chunk (a
    pattern cut between two chunks is still found)."""
    tail = b""
    first = True
    for chunk in chunks:
        text = tail + chunk.lower()
        if first and _LEADING_MARKUP.match(text):
            return "html"
        first = False
        for pattern, kind in _ACTIVE_PATTERNS:
            if pattern.search(text):
                return kind
        tail = text[-_ACTIVE_OVERLAP:]
    return None


def check_file(
    *,
    head: bytes,
    name: str,
    size: int,
    allowed: list[str],
    max_bytes: int,
    allow_active: bool = False,
    rest: Iterable[bytes] = (),
) -> str:
    """The file's type when it is allowed; UploadRefused with the reason otherwise.

    The type is read from `head` (the first bytes). A text file (SVG included) is also read to its end (`head`,
    then the chunks of `rest`) for active content, refused unless `allow_active` (the task's explicit choice)."""
    if size <= 0:
        raise UploadRefused(_("The file “%(name)s” is empty.") % {"name": name})
    if size > max_bytes:
        raise UploadRefused(
            _("The file “%(name)s” is larger than the limit of %(mb)s MB.")
            % {"name": name, "mb": round(max_bytes / 1_000_000, 1)}
        )
    kind = sniff(head, name=name)
    labels = ", ".join(KNOWN_TYPES[t].label for t in allowed if t in KNOWN_TYPES)
    if kind is None or kind not in allowed:
        raise UploadRefused(
            _("The file “%(name)s” is not of an accepted type (%(types)s).") % {"name": name, "types": labels}
        )
    if kind not in _TEXT_TYPES and _extension(name) != kind:
        raise UploadRefused(
            _("The file “%(name)s” does not hold what its name says; accepted types: %(types)s.")
            % {"name": name, "types": labels}
        )
    if kind in _TEXT_TYPES and not allow_active:
        found = active_content(itertools.chain((head,), rest))
        if found is not None:
            raise UploadRefused(
                _("The file “%(name)s” is refused because %(reason)s: a browser could run it.")
                % {"name": name, "reason": _active_reason(found)}
            )
    return kind


def _safe_name(name: str) -> str:
    return (get_valid_filename(posixpath.basename(name.replace("\\", "/"))) or "file")[:200]


@transaction.atomic
def private_file_store(
    *, owner: User, upload: UploadedFile, allowed: list[str], max_bytes: int, allow_active: bool = False
) -> PrivateFile:
    """Check a streamed upload (size, then type and active content by content) and store it privately."""
    name = _safe_name(upload.name or "file")
    size = upload.size or 0
    if size > max_bytes:
        check_file(head=b"", name=name, size=size, allowed=allowed, max_bytes=max_bytes)
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    kind = check_file(
        head=head,
        name=name,
        size=size,
        allowed=allowed,
        max_bytes=max_bytes,
        allow_active=allow_active,
        rest=iter(lambda: upload.read(64 * 1024), b""),
    )
    upload.seek(0)
    stored = PrivateFile(
        owner=owner, original_name=name, kind=kind, content_type=KNOWN_TYPES[kind].content_type, size=size
    )
    stored.file.save(f"{uuid.uuid4().hex}/{name}", upload, save=False)
    try:
        stored.save()
    except BaseException:
        private_files_discard([stored])
        raise
    return stored


def private_files_discard(files: list[PrivateFile]) -> None:
    """Delete the stored content of files whose rows did not commit, so a failed submission leaves no file.

    Best effort on each file (one storage error never keeps the others, nor hides the original failure)."""
    for private_file in files:
        name = private_file.file.name or ""
        if not name:
            continue
        try:
            if name.startswith("direct/") and uses_s3():  # sent by the browser straight to the bucket
                s3_client().delete_object(Bucket=private_bucket(), Key=_object_key(name))
            else:
                private_file.file.storage.delete(name)
        except Exception:  # cleanup after a failure must never raise over that failure
            logger.warning("Could not delete the orphan private file %s", name, exc_info=True)


def private_url(*, private_file: PrivateFile, seconds: int = LINK_SECONDS) -> str:
    """A link that works for `seconds`: presigned by S3, or signed by Django for local files.

    Call it only after checking that the requester may see the file."""
    if uses_s3():
        if private_file.file.name is None:
            raise ValueError(f"Private file {private_file.pk} has no stored file to link to.")
        return s3_browser_client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": private_bucket(),
                "Key": _object_key(private_file.file.name),
                "ResponseContentDisposition": f'attachment; filename="{private_file.original_name}"',
                "ResponseContentType": private_file.content_type,
            },
            ExpiresIn=seconds,
        )
    token = signing.dumps({"id": private_file.pk, "exp": int(timezone.now().timestamp()) + seconds}, salt=_SIGNING_SALT)
    return reverse("media:private_file", args=[token])


def private_file_for_token(token: str) -> PrivateFile | None:
    """The file a signed link points at, or None when the link is forged or expired."""
    try:
        data = signing.loads(token, salt=_SIGNING_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < timezone.now().timestamp():
        return None
    file_id = data.get("id")
    if not isinstance(file_id, int):
        return None
    return PrivateFile.objects.filter(pk=file_id).first()


# --- direct uploads to S3 -----------------------------------------------------------------------------


def _object_key(name: str) -> str:
    location = private_location().strip("/")
    return f"{location}/{name}" if location else name


@dataclass(frozen=True)
class DirectUpload:
    url: str
    fields: dict[str, str]
    name: str
    expires_at: datetime


def direct_upload_create(*, owner: User, filename: str, max_bytes: int, seconds: int = LINK_SECONDS) -> DirectUpload:
    """A presigned POST that lets the browser send one file straight to the private bucket."""
    if not uses_s3():
        raise UploadRefused(_("Direct uploads need S3 storage."))
    name = f"direct/{owner.pk}/{uuid.uuid4().hex}/{_safe_name(filename)}"
    post = s3_browser_client().generate_presigned_post(
        Bucket=private_bucket(),
        Key=_object_key(name),
        Conditions=[["content-length-range", 1, max_bytes]],
        ExpiresIn=seconds,
    )
    return DirectUpload(
        url=post["url"],
        fields=post["fields"],
        name=name,
        expires_at=timezone.now() + timedelta(seconds=seconds),
    )


@transaction.atomic
def direct_upload_confirm(
    *, owner: User, name: str, allowed: list[str], max_bytes: int, allow_active: bool = False
) -> PrivateFile:
    """Accept a direct upload only after checking it on the server: its size by HEAD, its type by its
    first bytes, a text file's active content by reading it. A refused object is deleted from the bucket."""
    if not name.startswith(f"direct/{owner.pk}/") or ".." in name:
        raise UploadRefused(_("This upload does not belong to you."))
    client, bucket, key = s3_client(), private_bucket(), _object_key(name)
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except client.exceptions.ClientError:
        raise UploadRefused(_("The uploaded file was not found; upload it again.")) from None
    size = int(head["ContentLength"])
    first: bytes = b""
    if 0 < size <= max_bytes:
        body: IO[bytes] = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}")["Body"]
        first = body.read()
    filename = posixpath.basename(name)

    def rest() -> Iterable[bytes]:
        if size > SNIFF_BYTES:
            yield from client.get_object(Bucket=bucket, Key=key, Range=f"bytes={SNIFF_BYTES}-")["Body"].iter_chunks()

    try:
        kind = check_file(
            head=first,
            name=filename,
            size=size,
            allowed=allowed,
            max_bytes=max_bytes,
            allow_active=allow_active,
            rest=rest(),
        )
    except UploadRefused:
        client.delete_object(Bucket=bucket, Key=key)
        raise
    stored = PrivateFile(
        owner=owner, original_name=filename, kind=kind, content_type=KNOWN_TYPES[kind].content_type, size=size
    )
    stored.file.name = name
    stored.save()
    return stored


def direct_uploads_discard(*, owner: User, names: list[str]) -> None:
    """Delete the objects the browser sent straight to S3 for a submission that failed, confirmed or not.

    Only `owner`'s own direct uploads, and never one that a committed PrivateFile holds (a name posted again
    from an earlier, accepted submission stays)."""
    if not uses_s3():
        return
    mine = [n for n in names if n.startswith(f"direct/{owner.pk}/") and ".." not in n]
    kept = set(PrivateFile.objects.filter(file__in=mine).values_list("file", flat=True))
    for name in mine:
        if name in kept:
            continue
        try:
            s3_client().delete_object(Bucket=private_bucket(), Key=_object_key(name))
        except Exception:  # cleanup after a failure must never raise over that failure
            logger.warning("Could not delete the orphan direct upload %s", name, exc_info=True)


ABANDONED_AFTER = timedelta(hours=24)


def direct_uploads_sweep(*, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Delete direct uploads that no PrivateFile holds and that are older than `older_than`: files a browser
    sent to S3 for a form that was never submitted. A presigned POST lives minutes, so a day is safe. Returns
    how many objects were deleted."""
    if not uses_s3():
        return 0
    client, bucket = s3_client(), private_bucket()
    prefix = _object_key("direct/")
    strip = len(prefix) - len("direct/")
    cutoff = timezone.now() - older_than
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        stale = {obj["Key"][strip:]: obj["Key"] for obj in page.get("Contents", []) if obj["LastModified"] < cutoff}
        if not stale:
            continue
        held = set(PrivateFile.objects.filter(file__in=list(stale)).values_list("file", flat=True))
        doomed = [{"Key": key} for name, key in stale.items() if name not in held]
        if doomed:
            client.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
            deleted += len(doomed)
    if deleted:
        logger.info("Deleted %d abandoned direct upload(s)", deleted)
    return deleted


def max_bytes_for(megabytes: int) -> int:
    return megabytes * 1_000_000
