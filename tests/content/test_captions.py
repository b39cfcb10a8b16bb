"""Captions for uploaded videos (WCAG 1.2.2, 1.2.5): WebVTT files per language, rendered as <track> elements, and
embedded players asked for captions in the page's language."""

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.models import Document

from content.blocks import LessonBodyBlock, VideoBlock, embed_url_for, with_caption_language
from content.models import LessonPage
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n"


def document(name="captions.vtt", content=VTT):
    return Document.objects.create(title=name, file=ContentFile(content, name=name))


def video_value(captions, **overrides):
    clip = document("clip.mp4", b"\x00\x00")
    return {"title": "Clip", "url": "", "file": clip.pk, "transcript": "<p>T</p>", "captions": captions, **overrides}


def track(language="en", label="English", file=None, kind="captions", default=False):
    return {"language": language, "label": label, "file": file or document().pk, "kind": kind, "default": default}


def clean(value):
    block = VideoBlock()
    return block.clean(block.to_python(value))


def caption_errors(value):
    """The messages on each caption field, keyed by (track index, field name)."""
    with pytest.raises(StructBlockValidationError) as error:
        clean(value)
    captions = error.value.block_errors["captions"]
    assert isinstance(captions, ListBlockValidationError)
    return {
        (index, name): " ".join(str(message) for message in field_error.messages)
        for index, item_error in captions.block_errors.items()
        for name, field_error in item_error.block_errors.items()
    }


def test_a_webvtt_file_per_language_is_accepted():
    cleaned = clean(video_value([track("en", default=True), track("fr", "Français")]))
    assert [item["language"] for item in cleaned["captions"]] == ["en", "fr"]


def test_a_byte_order_mark_before_the_header_is_accepted():
    assert clean(video_value([track(file=document(content=b"\xef\xbb\xbfWEBVTT\r\n\r\n").pk)]))


def test_a_file_that_is_not_vtt_is_refused_on_its_field():
    errors = caption_errors(video_value([track(file=document("captions.srt", VTT).pk)]))
    assert errors == {(0, "file"): "The caption file must be a WebVTT file ending in .vtt."}


@pytest.mark.parametrize("content", [b"1\n00:00:00,000 --> 00:00:02,000\nHello.\n", b"WEBVTTX\n", b""])
def test_a_vtt_file_without_the_webvtt_header_is_refused(content):
    errors = caption_errors(video_value([track(file=document(content=content).pk)]))
    assert errors == {(0, "file"): "This file is not WebVTT: its first line must be WEBVTT."}


def test_a_language_that_is_not_a_language_code_is_refused():
    errors = caption_errors(video_value([track(language="English")]))
    assert errors == {(0, "language"): "Enter a language code such as en, fr or fr-CA."}


def test_two_files_in_one_language_are_refused_on_the_second():
    errors = caption_errors(video_value([track("fr-CA"), track("fr-ca", "Français (Canada) 2")]))
    assert errors == {(1, "language"): "This video already has a caption file in this language."}


def test_two_default_tracks_are_refused_on_the_second():
    errors = caption_errors(video_value([track("en", default=True), track("fr", default=True)]))
    assert errors == {(1, "default"): "Only one caption file can be shown by default."}


def test_caption_files_are_refused_for_an_embedded_video():
    value = video_value([track()], url="https://youtu.be/dQw4w9WgXcQ", file=None)
    with pytest.raises(StructBlockValidationError) as error:
        clean(value)
    assert "uploaded videos" in " ".join(error.value.block_errors["captions"].non_block_errors.as_text().split())


def render(value):
    stream = LessonBodyBlock().to_python([{"type": "video", "value": value, "id": "x"}])
    return stream.render_as_block()


def test_uploaded_video_renders_a_track_per_caption_file():
    english, french = document("en.vtt"), document("fr.vtt")
    html = render(
        video_value(
            [
                track("en", "English <CC>", file=english.pk, default=True),
                track("fr", "Français", file=french.pk, kind="subtitles"),
            ]
        )
    )
    assert f'<track kind="captions" srclang="en" label="English &lt;CC&gt;" src="{english.url}" default>' in html
    assert f'<track kind="subtitles" srclang="fr" label="Français" src="{french.url}">' in html
    assert html.index("<track") < html.index("Download the video") < html.index("</video>")
    assert "<summary>Transcript</summary>" in html


def test_a_video_stored_before_captions_existed_renders_without_tracks():
    value = video_value([])
    del value["captions"]
    html = render(value)
    assert "<video controls" in html
    assert "<track" not in html


def test_youtube_is_asked_for_captions_in_the_page_language():
    with translation.override("fr"):
        html = render({"title": "Intro", "url": "https://youtu.be/dQw4w9WgXcQ", "file": None, "transcript": "<p>W</p>"})
    expected = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?cc_load_policy=1&amp;cc_lang_pref=fr&amp;hl=fr"
    assert f'src="{expected}"' in html


def test_vimeo_is_asked_for_the_text_track_of_the_language_and_keeps_do_not_track():
    assert (
        embed_url_for("https://vimeo.com/76979871", language="fr-CA")
        == "https://player.vimeo.com/video/76979871?dnt=1&texttrack=fr-CA"
    )


def test_an_unknown_player_or_a_malformed_language_is_left_untouched():
    assert with_caption_language("https://example.com/embed/1?a=1", "fr") == "https://example.com/embed/1?a=1"
    youtube = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert with_caption_language(youtube, 'fr"><script>') == youtube
    assert embed_url_for("https://example.com/x", language="fr") is None


def test_the_page_editor_offers_caption_files_on_a_video(client):
    course = make_course(lessons_per_module=1)
    lesson = LessonPage.objects.descendant_of(course).get()
    lesson.body = [{"type": "video", "value": video_value([track("en", default=True)])}]
    lesson.save_revision().publish()
    client.force_login(make_user(is_staff=True, is_superuser=True))

    response = client.get(f"/admin/pages/{lesson.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "WebVTT file (.vtt)" in html
    assert "Show by default" in html
