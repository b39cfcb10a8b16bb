"""StreamField blocks for lesson bodies. Every block renders without JavaScript and without inline styles."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

YOUTUBE = re.compile(
    r"^https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/)|youtu\.be/)([A-Za-z0-9_-]{11})"
)
VIMEO = re.compile(r"^https?://(?:www\.|player\.)?vimeo\.com/(?:video/)?(\d+)")
VIDEO_EXTENSIONS = {"mp4", "webm", "ogv", "m4v"}


# What each player reads to show captions, in the page's language, where the learner has not chosen another:
# YouTube turns captions on (cc_load_policy) in the preferred language; Vimeo turns on the text track of that language.
CAPTION_PARAMETERS = {
    "www.youtube-nocookie.com": lambda language: {"cc_load_policy": "1", "cc_lang_pref": language, "hl": language},
    "player.vimeo.com": lambda language: {"texttrack": language},
}
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")  # BCP 47, as browsers and players read it


def embed_url_for(url: str, *, language: str | None = None) -> str | None:
    """The privacy-friendly player URL for a YouTube or Vimeo link, computed locally (no oEmbed fetch).

    With a language, the player is asked for captions in that language where the provider supports it.
    """
    if match := YOUTUBE.match(url):
        player = f"https://www.youtube-nocookie.com/embed/{match.group(1)}"
    elif match := VIMEO.match(url):
        player = f"https://player.vimeo.com/video/{match.group(1)}?dnt=1"
    else:
        return None
    return with_caption_language(player, language) if language else player


def with_caption_language(player_url: str, language: str) -> str:
    """The player URL with the provider's caption parameters for a language; other URLs come back unchanged.

    The query is parsed and rebuilt (never concatenated), and a language that is not a BCP 47 tag is ignored.
    """
    parts = urlsplit(player_url)
    parameters = CAPTION_PARAMETERS.get(parts.netloc)
    if parameters is None or not LANGUAGE_TAG.match(language):
        return player_url
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(parameters(language))
    return urlunsplit(parts._replace(query=urlencode(query)))


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(label=_("Level"), choices=[("h2", _("Section")), ("h3", _("Subsection"))], default="h2")

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "content/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_("Describe the image for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "content/blocks/image.html"


CAPTION_KINDS = [("captions", _("Captions (dialogue and sounds)")), ("subtitles", _("Subtitles (dialogue only)"))]
WEBVTT_SIGNATURE = b"WEBVTT"
UTF8_BOM = b"\xef\xbb\xbf"


def is_webvtt(document: Any) -> bool:
    """Whether the document's file starts like a WebVTT file: `WEBVTT` (after an optional byte order mark), then a
    space, a tab, a line break or the end of the file. Reads the first bytes through the storage, local or S3."""
    try:
        with document.file.open("rb") as handle:
            start = handle.read(len(UTF8_BOM) + len(WEBVTT_SIGNATURE) + 1)
    except OSError:
        return False
    start = start.removeprefix(UTF8_BOM)
    after = start[len(WEBVTT_SIGNATURE) : len(WEBVTT_SIGNATURE) + 1]
    return start.startswith(WEBVTT_SIGNATURE) and after in (b"", b" ", b"\t", b"\n", b"\r")


class CaptionTrackBlock(blocks.StructBlock):
    language = blocks.CharBlock(
        label=_("Language"),
        max_length=35,
        help_text=_("The language of the text, as a code: en, fr, fr-CA…"),
    )
    label = blocks.CharBlock(
        label=_("Label"), max_length=100, help_text=_("Shown in the player's caption menu, e.g. English, Français.")
    )
    file = DocumentChooserBlock(label=_("WebVTT file (.vtt)"))
    kind = blocks.ChoiceBlock(label=_("Kind"), choices=CAPTION_KINDS, default="captions")
    default = blocks.BooleanBlock(
        label=_("Show by default"), required=False, help_text=_("At most one track of a video is shown by default.")
    )

    class Meta:
        icon = "openquote"
        label = _("Caption file")

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        errors: dict[str, ValidationError] = {}
        if not LANGUAGE_TAG.match(value["language"]):
            errors["language"] = ValidationError(_("Enter a language code such as en, fr or fr-CA."))
        document = value["file"]
        if document.file_extension.lower() != "vtt":
            errors["file"] = ValidationError(_("The caption file must be a WebVTT file ending in .vtt."))
        elif not is_webvtt(document):
            errors["file"] = ValidationError(_("This file is not WebVTT: its first line must be WEBVTT."))
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class CaptionTracksBlock(blocks.ListBlock):
    """A video's caption files: one per language, at most one shown by default."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(CaptionTrackBlock(), **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        errors: dict[int, ValidationError] = {}
        languages: set[str] = set()
        has_default = False
        for index, track in enumerate(value):
            item_errors: dict[str, ValidationError] = {}
            language = track["language"].lower()
            if language in languages:
                item_errors["language"] = ValidationError(_("This video already has a caption file in this language."))
            languages.add(language)
            if track["default"] and has_default:
                item_errors["default"] = ValidationError(_("Only one caption file can be shown by default."))
            has_default = has_default or bool(track["default"])
            if item_errors:
                errors[index] = StructBlockValidationError(block_errors=item_errors)
        if errors:
            raise ListBlockValidationError(block_errors=errors)
        return value


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    url = blocks.URLBlock(label=_("YouTube or Vimeo link"), required=False)
    file = DocumentChooserBlock(label=_("Uploaded video file"), required=False)
    captions = CaptionTracksBlock(
        label=_("Captions"),
        default=[],
        help_text=_(
            "WebVTT caption files for an uploaded video, one per language. YouTube and Vimeo show their own captions."
        ),
    )
    transcript = blocks.RichTextBlock(
        label=_("Transcript"), help_text=_("Required for accessibility: what is said and shown.")
    )

    class Meta:
        icon = "media"
        label = _("Video")
        template = "content/blocks/video.html"

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        errors: dict[str, ValidationError] = {}
        if bool(value.get("url")) == bool(value.get("file")):
            errors["url"] = ValidationError(_("Give either a YouTube/Vimeo link or an uploaded file, not both."))
        elif value.get("url") and not embed_url_for(value["url"]):
            errors["url"] = ValidationError(_("Only YouTube and Vimeo links can be embedded."))
        elif value.get("file") and value["file"].file_extension.lower() not in VIDEO_EXTENSIONS:
            errors["file"] = ValidationError(
                _("The file must be a video (%(types)s).") % {"types": ", ".join(sorted(VIDEO_EXTENSIONS))}
            )
        if value.get("url") and value.get("captions"):
            errors["captions"] = ListBlockValidationError(
                non_block_errors=[
                    ValidationError(_("Caption files are for uploaded videos; YouTube and Vimeo show their own."))
                ]
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value

    def get_context(self, value: Any, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context)
        language = translation.get_language() or settings.LANGUAGE_CODE
        context["embed_url"] = embed_url_for(value["url"], language=language) if value.get("url") else None
        return context


CODE_LANGUAGES = [
    ("bash", "Bash"),
    ("python", "Python"),
    ("javascript", "JavaScript"),
    ("yaml", "YAML"),
    ("json", "JSON"),
    ("sql", "SQL"),
    ("html", "HTML"),
    ("dockerfile", "Dockerfile"),
    ("text", _("Plain text")),
]


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(label=_("Language"), choices=CODE_LANGUAGES, default="bash")
    code = blocks.TextBlock(label=_("Code"))

    def get_context(self, value: Any, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
        """The caption names the language as readers say it ("Plain text", translated), not by its key."""
        context = super().get_context(value, parent_context=parent_context)
        context["language_label"] = dict(CODE_LANGUAGES).get(value["language"], value["language"])
        return context

    class Meta:
        icon = "code"
        label = _("Code")
        template = "content/blocks/code.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"), choices=[("note", _("Note")), ("tip", _("Tip")), ("warning", _("Warning"))], default="note"
    )
    text = blocks.RichTextBlock(label=_("Text"))

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "content/blocks/callout.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(label=_("Link text"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Downloadable document")
        template = "content/blocks/document.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(label=_("Attribution"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "content/blocks/quote.html"


class AccordionItemBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    body = blocks.RichTextBlock(label=_("Body"))


class AccordionBlock(blocks.ListBlock):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(AccordionItemBlock(), **kwargs)

    class Meta:
        icon = "list-ul"
        label = _("Accordion")
        template = "content/blocks/accordion.html"


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("Rich text"), icon="pilcrow")
    image = ImageBlock()
    video = VideoBlock()
    code = CodeBlock()
    callout = CalloutBlock()
    document = DocumentBlock()
    quote = QuoteBlock()
    table = TableBlock(label=_("Table"), icon="table", table_options={"startRows": 3, "startCols": 3})
    accordion = AccordionBlock()
