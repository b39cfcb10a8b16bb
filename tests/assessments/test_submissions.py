"""Graded tasks: cleaned rich text, checked files and links, grading by instructors only, e-mails."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from bs4 import BeautifulSoup
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Submission, SubmissionState
from assessments.services import (
    AssessmentError,
    SubmissionRefused,
    clean_rich_text,
    submission_create,
    submission_grade,
    submission_return,
    task_direct_upload,
)
from content.services import course_sync_instructors
from progress.models import ItemProgress
from tests.assessments.factories import course_of, learner_in, make_task
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<svg onload="alert(1)"><circle></circle></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<body onload="alert(1)">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<p onclick="alert(1)">click me</p>',
    '<object data="x.swf"></object>',
    "<<script>script>alert(1)<</script>/script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="https://evil.example"><input name="q"></form>',
    "<!--<script>alert(1)</script>-->",
]


def instructor_of(page) -> object:
    user = make_user()
    course = course_of(page)
    course.instructors.add(user)
    course_sync_instructors(course=course)
    return user


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_submitted_rich_text_loses_scripts_handlers_styles_and_dangerous_links(payload):
    cleaned = clean_rich_text(payload).lower()

    for marker in ("<script", "onerror", "onload", "onclick", "javascript:", "style=", "<iframe", "<svg", "data:"):
        assert marker not in cleaned
    for tag in ("<object", "<form", "<input", "<body", "<img", "<math", "<style"):
        assert tag not in cleaned


def test_allowed_formatting_survives_cleaning():
    html = '<p>A <strong>bold</strong> <a href="https://example.org/x">link</a></p><ul><li>item</li></ul>'

    assert clean_rich_text(html) == html


def test_a_submission_stores_the_cleaned_text():
    task = make_task()
    learner = learner_in(task)

    submission = submission_create(task=task, user=learner, text='<p onclick="x()">Hello<script>bad()</script></p>')

    assert submission.text == "<p>Hello</p>"


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://example.org/file", "file:///etc/passwd", "not a url"])
def test_a_link_that_is_not_http_or_https_is_refused(link):
    task = make_task(accept_link=True)
    learner = learner_in(task)

    with pytest.raises(SubmissionRefused, match="http"):
        submission_create(task=task, user=learner, link=link)


def test_an_https_link_is_accepted():
    task = make_task(accept_text=False, accept_link=True)
    learner = learner_in(task)

    assert submission_create(task=task, user=learner, link="https://github.com/me/work").link.startswith("https://")


def test_a_pdf_upload_is_stored_privately():
    task = make_task(accept_files=True, allowed_file_types="pdf")
    learner = learner_in(task)

    submission = submission_create(
        task=task, user=learner, files=[SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")]
    )

    stored = submission.files.get().upload
    assert (stored.kind, stored.size, stored.original_name) == ("pdf", len(PDF), "report.pdf")
    assert stored.file.storage.exists(stored.file.name)


def test_a_file_whose_content_is_not_its_named_type_is_refused():
    task = make_task(accept_files=True, allowed_file_types="pdf")
    learner = learner_in(task)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00\x03 this is an executable", content_type="application/pdf")

    with pytest.raises(SubmissionRefused, match="accepted type"):
        submission_create(task=task, user=learner, files=[fake])
    assert not Submission.objects.exists()


def test_a_png_renamed_to_pdf_is_refused():
    task = make_task(accept_files=True, allowed_file_types="pdf, png")
    learner = learner_in(task)

    with pytest.raises(SubmissionRefused, match="does not hold what its name says"):
        submission_create(task=task, user=learner, files=[SimpleUploadedFile("report.pdf", PNG)])


def test_a_file_over_the_size_limit_is_refused():
    task = make_task(accept_files=True, allowed_file_types="pdf", max_file_mb=1)
    learner = learner_in(task)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 1_000_001)

    with pytest.raises(SubmissionRefused, match="larger than the limit"):
        submission_create(task=task, user=learner, files=[big])


def test_an_empty_submission_is_refused():
    task = make_task()
    learner = learner_in(task)

    with pytest.raises(SubmissionRefused, match="empty"):
        submission_create(task=task, user=learner, text="<p> <script>x</script></p>")


def test_a_second_submission_waits_until_the_first_is_graded():
    task = make_task()
    learner = learner_in(task)
    submission_create(task=task, user=learner, text="<p>One</p>")

    with pytest.raises(SubmissionRefused, match="waiting"):
        submission_create(task=task, user=learner, text="<p>Two</p>")


def test_an_instructor_grades_with_the_rubric_and_the_learner_is_emailed(django_capture_on_commit_callbacks):
    task = make_task(rubric=RUBRIC, pass_mark=Decimal("50"))
    learner = learner_in(task)
    submission = submission_create(task=task, user=learner, text="<p>Work</p>")
    criteria = task.rubric_criteria()
    levels = {c["key"]: c["levels"][0]["key"] for c in criteria}

    grader = instructor_of(task)
    with django_capture_on_commit_callbacks(execute=True):
        grade = submission_grade(submission=submission, user=grader, levels=levels, feedback="<p>Good</p>")

    assert (grade.points, grade.max_points, grade.score) == (Decimal("7"), Decimal("7"), Decimal("100.00"))
    assert grade.rubric_scores.count() == 2
    assert ItemProgress.objects.get(item=task).score == Decimal("100.00")
    assert len(mail.outbox) == 1
    assert "graded" in mail.outbox[0].subject
    assert mail.outbox[0].to == [learner.email]


def test_a_returned_submission_can_be_submitted_again(django_capture_on_commit_callbacks):
    task = make_task()
    learner = learner_in(task)
    submission = submission_create(task=task, user=learner, text="<p>Draft</p>")

    grader = instructor_of(task)
    with django_capture_on_commit_callbacks(execute=True):
        submission_return(submission=submission, user=grader, feedback="Add the diagram.")

    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.RETURNED
    assert "returned" in mail.outbox[0].subject
    assert submission_create(task=task, user=learner, text="<p>Final</p>").number == 2


def test_a_learner_cannot_grade_their_own_submission():
    task = make_task()
    learner = learner_in(task)
    submission = submission_create(task=task, user=learner, text="<p>Mine</p>")

    with pytest.raises(PermissionDenied):
        submission_grade(submission=submission, user=learner, points=Decimal("100"))


def test_an_instructor_of_another_course_cannot_grade():
    task = make_task()
    other = make_task()
    submission = submission_create(task=task, user=learner_in(task), text="<p>Work</p>")

    with pytest.raises(PermissionDenied):
        submission_grade(submission=submission, user=instructor_of(other), points=Decimal("10"))


def test_points_outside_the_scale_are_refused():
    task = make_task(max_points=Decimal("20"))
    submission = submission_create(task=task, user=learner_in(task), text="<p>Work</p>")

    with pytest.raises(AssessmentError, match="between 0 and 20"):
        submission_grade(submission=submission, user=instructor_of(task), points=Decimal("21"))


def test_a_learner_sees_only_their_own_files(client):
    task = make_task(accept_files=True, allowed_file_types="pdf")
    owner = learner_in(task)
    submission = submission_create(task=task, user=owner, files=[SimpleUploadedFile("a.pdf", PDF)])
    upload = submission.files.get().upload
    client.force_login(learner_in(task))

    assert client.get(reverse("assessments:file", args=[upload.pk])).status_code == 403

    client.force_login(owner)
    link = client.get(reverse("assessments:file", args=[upload.pk]))
    assert link.status_code == 302
    download = client.get(link["Location"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")


def test_a_forged_file_link_is_not_found(client):
    assert client.get(reverse("media:private_file", args=["forged:token"])).status_code == 404


def test_the_task_page_refuses_an_empty_submission_with_a_400(client):
    task = make_task()
    client.force_login(learner_in(task))

    response = client.post(reverse("assessments:submit_task", args=[task.pk]), {"text": ""})

    assert response.status_code == 400
    assert "empty" in response.content.decode()
    # The refusal takes focus on load (site.js) and each field of the form is tied to it.
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("#item-error[role=alert][data-autofocus]")["tabindex"] == "-1"
    for field in soup.select(".task-form textarea, .task-form input[type=file], .task-form input[type=url]"):
        assert field["aria-invalid"] == "true"
        assert "item-error" in field["aria-describedby"].split()


RUBRIC = [
    {
        "type": "criterion",
        "id": "c1",
        "value": {
            "title": "Design",
            "description": "",
            "levels": [
                {"type": "item", "id": "l1", "value": {"label": "Strong", "points": "4", "description": ""}},
                {"type": "item", "id": "l2", "value": {"label": "Weak", "points": "1", "description": ""}},
            ],
        },
    },
    {
        "type": "criterion",
        "id": "c2",
        "value": {
            "title": "Evidence",
            "description": "",
            "levels": [
                {"type": "item", "id": "l3", "value": {"label": "Complete", "points": "3", "description": ""}},
                {"type": "item", "id": "l4", "value": {"label": "Missing", "points": "0", "description": ""}},
            ],
        },
    },
]


def keys_in(client, bucket: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def sent_straight_to_s3(task, learner, body: bytes = PDF):
    """What the browser does: a presigned POST for the task, then `body` sent with it to the bucket."""
    upload = task_direct_upload(task=task, user=learner, filename="report.pdf")
    sent = requests.post(upload.url, data=upload.fields, files={"file": ("report.pdf", body)}, timeout=10)
    assert sent.ok, sent.text
    return upload


def test_a_file_sent_straight_to_s3_is_confirmed_before_it_joins_the_submission(s3):
    task = make_task(accept_files=True, allowed_file_types="pdf")
    learner = learner_in(task)
    upload = sent_straight_to_s3(task, learner)

    submission = submission_create(task=task, user=learner, direct_uploads=[upload.name])

    assert submission.files.get().upload.kind == "pdf"


def test_a_file_sent_straight_to_s3_that_is_not_a_pdf_is_refused(s3):
    client, bucket = s3
    task = make_task(accept_files=True, allowed_file_types="pdf")
    learner = learner_in(task)
    upload = sent_straight_to_s3(task, learner, body=PNG)

    with pytest.raises(SubmissionRefused, match="not of an accepted type"):
        submission_create(task=task, user=learner, direct_uploads=[upload.name])
    assert not Submission.objects.exists()
    assert keys_in(client, bucket) == []


# --- no orphan files ----------------------------------------------------------------------------------------


@pytest.fixture
def private_dir(tmp_path, monkeypatch):
    """Private storage in a directory of the test's own, so every file written there can be counted."""
    from django.core.files.storage import FileSystemStorage

    from media.models import PrivateFile

    monkeypatch.setattr(PrivateFile._meta.get_field("file"), "storage", FileSystemStorage(location=str(tmp_path)))
    return tmp_path


def files_in(directory) -> list:
    return [p for p in directory.rglob("*") if p.is_file()]


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_submitted_file_is_written_to_private_storage(private_dir):
    task = make_task(accept_files=True, allowed_file_types="pdf")

    submission_create(task=task, user=learner_in(task), files=[pdf()])

    assert [p.name for p in files_in(private_dir)] == ["report.pdf"]


def test_a_submission_refused_after_a_file_was_stored_leaves_no_file_behind(private_dir):
    task = make_task(accept_files=True, allowed_file_types="pdf")
    fake = SimpleUploadedFile("second.pdf", PNG, content_type="application/pdf")

    with pytest.raises(SubmissionRefused):
        submission_create(task=task, user=learner_in(task), files=[pdf(), fake])

    assert files_in(private_dir) == []
    assert not Submission.objects.exists()


def test_a_database_failure_after_the_files_were_stored_leaves_no_file_behind(private_dir, monkeypatch):
    from django.db import IntegrityError

    from assessments.models import SubmissionFile

    task = make_task(accept_files=True, allowed_file_types="pdf")
    learner = learner_in(task)

    def fail(*args, **kwargs):
        raise IntegrityError("simulated failure while saving the submission's files")

    monkeypatch.setattr(SubmissionFile.objects, "bulk_create", fail)

    with pytest.raises(IntegrityError):
        submission_create(task=task, user=learner, files=[pdf("a.pdf"), pdf("b.pdf")])

    assert files_in(private_dir) == []
    assert not Submission.objects.exists()


def test_a_failed_task_form_post_leaves_no_file_behind(client, private_dir, monkeypatch):
    task = make_task(accept_files=True, allowed_file_types="pdf")
    learner = learner_in(task)
    client.force_login(learner)

    original = Submission.objects.create

    def create_then_refuse(**kwargs):
        original(**kwargs)  # the row and the file exist, then the service refuses: both must go
        raise SubmissionRefused("Your previous submission is waiting for grading.")

    monkeypatch.setattr(Submission.objects, "create", create_then_refuse)

    response = client.post(reverse("assessments:submit_task", args=[task.pk]), {"files": [pdf()]})

    assert response.status_code == 400
    assert files_in(private_dir) == []
    assert not Submission.objects.exists()


def test_a_failed_submission_deletes_the_files_sent_straight_to_s3(s3):
    client, bucket = s3
    task = make_task(accept_files=True, accept_link=True, allowed_file_types="pdf")
    learner = learner_in(task)
    upload = sent_straight_to_s3(task, learner)
    assert keys_in(client, bucket) == [f"private/{upload.name}"]

    with pytest.raises(SubmissionRefused):
        submission_create(task=task, user=learner, direct_uploads=[upload.name], link="ftp://nope.example")

    assert keys_in(client, bucket) == []


def test_a_failed_submission_keeps_a_direct_upload_an_earlier_submission_holds(s3):
    client, bucket = s3
    task = make_task(accept_files=True, accept_link=True, allowed_file_types="pdf")
    learner = learner_in(task)
    upload = sent_straight_to_s3(task, learner)
    first = submission_create(task=task, user=learner, direct_uploads=[upload.name])
    first.state = SubmissionState.RETURNED
    first.save(update_fields=["state"])

    with pytest.raises(SubmissionRefused):
        submission_create(task=task, user=learner, direct_uploads=[upload.name], link="ftp://nope.example")

    assert keys_in(client, bucket) == [f"private/{upload.name}"]


SCRIPTED_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def test_an_svg_with_a_script_is_refused_with_the_reason_where_svg_is_allowed():
    task = make_task(accept_files=True, allowed_file_types="svg")
    learner = learner_in(task)

    with pytest.raises(SubmissionRefused, match="contains a script"):
        submission_create(task=task, user=learner, files=[SimpleUploadedFile("diagram.svg", SCRIPTED_SVG)])
    assert not Submission.objects.exists()


def test_an_svg_with_a_script_is_accepted_when_the_task_allows_active_content():
    task = make_task(accept_files=True, allowed_file_types="svg", allow_active_files=True)
    learner = learner_in(task)

    submission = submission_create(task=task, user=learner, files=[SimpleUploadedFile("diagram.svg", SCRIPTED_SVG)])

    assert submission.files.get().upload.kind == "svg"


def test_the_learner_reads_their_rubric_scores_in_a_named_table_that_scrolls_in_its_own_region(client):
    task = make_task(rubric=RUBRIC, pass_mark=Decimal("50"))
    learner = learner_in(task)
    submission = submission_create(task=task, user=learner, text="<p>Work</p>")
    levels = {c["key"]: c["levels"][0]["key"] for c in task.rubric_criteria()}
    submission_grade(submission=submission, user=instructor_of(task), levels=levels, feedback="<p>Good</p>")
    client.force_login(learner)

    html = client.get(task.url).content.decode()

    region = f'<div class="table-scroll" role="region" aria-labelledby="rubric-{submission.pk}" tabindex="0">'
    assert region in html
    assert f'<caption id="rubric-{submission.pk}">Rubric</caption>' in html
    assert html.index(region) < html.index("Criterion")
