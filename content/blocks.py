"""StreamField blocks for lesson bodies. Every block renders without JavaScript and without inline styles."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

YOUTUBE = re.compile(
    r"^https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/)|youtu\.be/)([A-Za-z0-9_-]{11})"
)
VIMEO = re.compile(r"^https?://(?:www\.|player\.)?vimeo\.com/(?:video/)?(\d+)")
VIDEO_EXTENSIONS = {"mp4", "webm", "ogv", "m4v"}


def embed_url_for(url: str) -> str | None:
    """The privacy-friendly player URL for a YouTube or Vimeo link, computed locally (no oEmbed fetch)."""
    if match := YOUTUBE.match(url):
        return f"https://www.youtube-nocookie.com/embed/{match.group(1)}"
    if match := VIMEO.match(url):
        return f"https://player.vimeo.com/video/{match.group(1)}?dnt=1"
    return None


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


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    url = blocks.URLBlock(label=_("YouTube or Vimeo link"), required=False)
    file = DocumentChooserBlock(label=_("Uploaded video file"), required=False)
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
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value

    def get_context(self, value: Any, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context)
        context["embed_url"] = embed_url_for(value["url"]) if value.get("url") else None
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
