"""A learner submits a file in a real browser: straight to S3 with a presigned POST (moto's standalone server
standing in for S3, task_upload.js doing the work), and streamed through the server when S3 is not set up."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from assessments.models import Submission
from lms.roles import role_groups_ensure
from progress.services import enrolment_create
from tests.assessments.factories import course_of, make_task
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture
def learner_and_task():
    role_groups_ensure()
    user = make_user(email="uma@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    task = make_task(title="Write a report", accept_text=False, accept_files=True, allowed_file_types="pdf")
    enrolment_create(user=user, course=course_of(task))
    return user, task


def objects_in(s3) -> list[str]:
    client, bucket = s3
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def attach(page, name: str, content: bytes) -> None:
    page.get_by_label("Files").set_input_files(files=[{"name": name, "mimeType": "application/pdf", "buffer": content}])


def test_a_file_goes_from_the_browser_straight_to_s3_and_joins_the_submission(page, login, learner_and_task, s3):
    user, task = learner_and_task
    login(user.email, "pw-123456789")
    page.goto(task.url)
    assert page.locator("input[type=file][data-direct-upload]").count() == 1  # the direct path is offered

    posts_to_s3 = []
    page.on(
        "request", lambda r: posts_to_s3.append(r.url) if r.method == "POST" and s3_server_port(s3) in r.url else None
    )
    attach(page, "report.pdf", PDF)
    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page.get_by_text("Your work is submitted.")).to_be_visible()
    upload = Submission.objects.get().files.get().upload
    assert upload.file.name.startswith(f"direct/{user.pk}/") and upload.kind == "pdf"
    assert objects_in(s3) == [f"private/{upload.file.name}"]
    assert len(posts_to_s3) == 1  # the file went to S3 from the browser, not through the server


def test_a_file_sent_straight_to_s3_that_is_not_a_pdf_is_refused_and_deleted(page, login, learner_and_task, s3):
    user, task = learner_and_task
    login(user.email, "pw-123456789")
    page.goto(task.url)

    attach(page, "report.pdf", PNG)
    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("is not of an accepted type")
    assert not Submission.objects.exists()
    assert objects_in(s3) == []


def test_without_s3_the_file_is_streamed_through_the_server(page, login, learner_and_task):
    user, task = learner_and_task
    login(user.email, "pw-123456789")
    page.goto(task.url)
    assert page.locator("input[type=file][data-direct-upload]").count() == 0

    attach(page, "report.pdf", PDF)
    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page.get_by_text("Your work is submitted.")).to_be_visible()
    upload = Submission.objects.get().files.get().upload
    assert not upload.file.name.startswith("direct/")
    assert upload.file.storage.open(upload.file.name).read() == PDF
    upload.file.storage.delete(upload.file.name)


def s3_server_port(s3) -> str:
    client, _bucket = s3
    return client.meta.endpoint_url.rsplit(":", 1)[1]
