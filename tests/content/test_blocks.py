"""Every lesson block renders accessibly, without inline script or style."""

import pytest
from django.core.files.base import ContentFile
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from content.blocks import LessonBodyBlock, VideoBlock, embed_url_for

pytestmark = pytest.mark.django_db


def render(raw):
    stream = LessonBodyBlock().to_python([{"type": raw[0], "value": raw[1], "id": "x"}])
    return stream.render_as_block() if hasattr(stream, "render_as_block") else str(stream)


def test_heading_renders_at_its_level():
    assert '<h3 class="lesson-heading">Setup</h3>' in render(("heading", {"text": "Setup", "level": "h3"}))


def test_rich_text_renders_its_html():
    assert "<p>Plain <b>bold</b></p>" in render(("paragraph", "<p>Plain <b>bold</b></p>"))


def test_image_renders_with_alt_text_and_caption():
    image = Image.objects.create(title="t", file=get_test_image_file())
    html = render(("image", {"image": image.pk, "alt_text": "A rack of servers", "caption": "Data centre"}))
    assert 'alt="A rack of servers"' in html
    assert "<figcaption>Data centre</figcaption>" in html


def test_youtube_video_embeds_with_a_transcript():
    html = render(
        ("video", {"title": "Intro", "url": "https://youtu.be/dQw4w9WgXcQ", "file": None, "transcript": "<p>Words</p>"})
    )
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?' in html
    assert 'title="Intro"' in html
    assert "<summary>Transcript</summary>" in html


def test_uploaded_video_renders_a_video_element():
    document = Document.objects.create(title="clip", file=ContentFile(b"\x00\x00", name="clip.mp4"))
    html = render(("video", {"title": "Clip", "url": "", "file": document.pk, "transcript": "<p>T</p>"}))
    assert "<video controls" in html
    assert document.url in html


def video_error(value):
    block = VideoBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({"title": "x", "transcript": "<p>t</p>", "file": None, **value}))
    return " ".join(str(e.message) for e in error.value.block_errors.values())


def test_video_refuses_an_unknown_host():
    assert "Only YouTube and Vimeo" in video_error({"url": "https://example.com/v.mp4"})


def test_video_needs_a_link_or_a_file():
    assert "either" in video_error({"url": ""})


def test_vimeo_links_become_player_urls():
    assert embed_url_for("https://vimeo.com/76979871") == "https://player.vimeo.com/video/76979871?dnt=1"
    assert embed_url_for("https://example.com/x") is None


def test_code_is_escaped_and_labelled_with_its_language():
    html = render(("code", {"language": "python", "code": "print('<b>')"}))
    assert '<code class="language-python">print(&#x27;&lt;b&gt;&#x27;)</code>' in html


@pytest.mark.parametrize(("kind", "label"), [("note", "Note"), ("tip", "Tip"), ("warning", "Warning")])
def test_callout_renders_its_kind(kind, label):
    html = render(("callout", {"kind": kind, "text": "<p>Careful</p>"}))
    assert f"callout-{kind}" in html
    assert f'aria-label="{label}"' in html


def test_document_renders_a_download_link_with_type():
    document = Document.objects.create(title="Cheat sheet", file=ContentFile(b"%PDF-1.4", name="sheet.pdf"))
    html = render(("document", {"document": document.pk, "title": ""}))
    assert "Cheat sheet</a>" in html
    assert "(PDF" in html


def test_quote_renders_with_attribution():
    html = render(("quote", {"quote": "Simplicity is prerequisite for reliability.", "attribution": "Dijkstra"}))
    assert "<blockquote>" in html
    assert "<figcaption>Dijkstra</figcaption>" in html


def test_table_renders_a_caption_and_header_cells():
    value = {
        "data": [["Port", "Use"], ["22", "SSH"]],
        "first_row_is_table_header": True,
        "first_col_is_header": False,
        "table_caption": "Common ports",
    }
    html = render(("table", value))
    assert "<caption>Common ports</caption>" in html
    assert '<th scope="col"' in html


def test_accordion_renders_disclosure_widgets():
    html = render(
        ("accordion", [{"title": "Why?", "body": "<p>Because.</p>"}, {"title": "How?", "body": "<p>So.</p>"}])
    )
    assert html.count("<details>") == 2
    assert "<summary>Why?</summary>" in html


@pytest.mark.parametrize(
    "raw",
    [
        ("heading", {"text": "x", "level": "h2"}),
        ("callout", {"kind": "tip", "text": "<p>x</p>"}),
        ("code", {"language": "bash", "code": "ls"}),
        ("quote", {"quote": "q", "attribution": ""}),
        ("accordion", [{"title": "t", "body": "<p>b</p>"}]),
    ],
)
def test_no_block_emits_inline_style_or_script(raw):
    html = render(raw)
    assert "style=" not in html
    assert "<script" not in html
    assert " on" not in html.replace(" one", "")
