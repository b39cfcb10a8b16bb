"""Instructor tools in the Wagtail admin: grading queue, grading, import and export, item analysis."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.blocks.struct_block import StructBlockValidationError

from assessments.blocks import SingleChoiceBlock, raw_question_block
from assessments.importing.forms import MAX_IMPORT_BYTES
from assessments.models import QuestionImportDraft, QuizPage, SubmissionState
from assessments.services import attempt_start, attempt_submit, response_save, submission_create
from content.services import course_sync_instructors
from tests.assessments.factories import course_of, learner_in, make_quiz, make_task, single_choice
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"


def refused(response) -> bool:
    """Wagtail's admin answers a PermissionDenied with a redirect to the dashboard and a message."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def instructor_of(page):
    user = make_user(instructor=True)
    course = course_of(page)
    course.instructors.add(user)
    course_sync_instructors(course=course)
    return user


def test_the_queue_shows_an_instructor_only_the_submissions_of_their_courses(client):
    mine, theirs = make_task(title="My task"), make_task(title="Their task")
    submission_create(task=mine, user=learner_in(mine), text="<p>mine-work</p>")
    submission_create(task=theirs, user=learner_in(theirs), text="<p>their-work</p>")
    client.force_login(instructor_of(mine))

    html = client.get(reverse("assessments_admin:queue")).content.decode()

    assert "My task" in html
    assert "Their task" not in html


def test_the_queue_refuses_a_course_filter_of_another_course(client):
    mine, theirs = make_task(), make_task()
    client.force_login(instructor_of(mine))

    response = client.get(reverse("assessments_admin:queue"), {"course": course_of(theirs).pk})

    assert refused(response)


def test_an_instructor_cannot_open_a_submission_of_another_course(client):
    mine, theirs = make_task(), make_task()
    submission = submission_create(task=theirs, user=learner_in(theirs), text="<p>work</p>")
    client.force_login(instructor_of(mine))

    assert refused(client.get(reverse("assessments_admin:submission", args=[submission.pk])))


def test_the_queue_lists_waiting_submissions_first(client):
    task = make_task()
    grader = instructor_of(task)
    first = submission_create(task=task, user=learner_in(task), text="<p>first</p>")
    client.force_login(grader)
    client.post(reverse("assessments_admin:submission", args=[first.pk]), {"action": "grade", "points": "50"})
    waiting = submission_create(task=task, user=learner_in(task), text="<p>second</p>")

    html = client.get(reverse("assessments_admin:queue")).content.decode()

    assert html.index(waiting.learner.email) < html.index(first.learner.email)


def queue_page(client, **params):
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("assessments_admin:queue"), params)
    assert response.status_code == 200
    html = response.content.decode()
    return html, html.count('href="/admin/grading/submissions/'), len(captured.captured_queries)


def test_the_queue_shows_a_page_at_a_time_with_the_same_queries_whatever_its_length(client, monkeypatch):
    from assessments import selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 2)
    short, long = make_task(title="Short"), make_task(title="Long")
    for _ in range(2):
        submission_create(task=short, user=learner_in(short), text="<p>work</p>")
    for _ in range(5):
        submission_create(task=long, user=learner_in(long), text="<p>work</p>")
    client.force_login(instructor_of(short))
    queue_page(client)  # warm the admin's per-process caches
    _html, rows, short_queries = queue_page(client)
    assert rows == 2
    client.force_login(instructor_of(long))
    queue_page(client)
    html, rows, long_queries = queue_page(client)
    assert rows == 2 and "Page 1 of 3" in html
    assert long_queries == short_queries
    html, rows, _queries = queue_page(client, p=3)
    assert rows == 1 and "Page 3 of 3" in html


def test_a_queue_page_number_out_of_range_or_not_a_number_shows_a_page_rather_than_an_error(client, monkeypatch):
    from assessments import selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 2)
    task = make_task()
    for _ in range(3):
        submission_create(task=task, user=learner_in(task), text="<p>work</p>")
    client.force_login(instructor_of(task))
    assert "Page 2 of 2" in queue_page(client, p=99)[0]
    assert "Page 1 of 2" in queue_page(client, p="abc")[0]
    assert "Page 2 of 2" in queue_page(client, p=-1)[0]  # below 1 is out of range too: the last page


def test_an_instructor_grades_a_submission_in_the_admin(client):
    task = make_task(max_points=Decimal("10"))
    submission = submission_create(task=task, user=learner_in(task), text="<p>work</p>")
    client.force_login(instructor_of(task))

    response = client.post(
        reverse("assessments_admin:submission", args=[submission.pk]),
        {"action": "grade", "points": "7.5", "feedback": "<p>Good</p>"},
    )

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == SubmissionState.GRADED
    assert submission.grade.score == Decimal("75.00")


def test_a_grade_that_is_not_a_number_is_a_400(client):
    task = make_task()
    submission = submission_create(task=task, user=learner_in(task), text="<p>work</p>")
    client.force_login(instructor_of(task))

    response = client.post(
        reverse("assessments_admin:submission", args=[submission.pk]), {"action": "grade", "points": "lots"}
    )

    assert response.status_code == 400


def import_url(quiz) -> str:
    return reverse("assessments_admin:import", args=[quiz.pk])


def preview(client, quiz, text: str, fmt: str = "gift"):
    return client.post(import_url(quiz), {"format": fmt, "text": text})


def token_of(quiz, user) -> str:
    return str(QuestionImportDraft.objects.get(quiz=quiz, user=user).token)


def draft_bank(quiz) -> list[dict]:
    draft = QuizPage.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    bank, _layout = draft.question_bank()
    return list(bank.values())


@pytest.fixture
def quiz_and_instructor(client):
    quiz = make_quiz()
    user = instructor_of(quiz)
    client.force_login(user)
    return quiz, user


def test_the_import_page_shows_the_upload_form(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    response = client.get(import_url(quiz))

    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()


def test_uploading_a_file_shows_every_question_with_its_type_and_title(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    upload = SimpleUploadedFile("solar.gift", (SAMPLES / "every_type.gift").read_bytes(), "text/plain")

    response = client.post(import_url(quiz), {"format": "gift", "file": upload})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview of solar.gift" in html
    assert html.count('<tr class="import-entry">') == 12
    assert "Largest planet" in html and "Fill in the blanks" in html
    assert "12 questions are ready to import." in html


def test_a_preview_changes_nothing_in_the_quiz(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    revisions = quiz.revisions.count()

    preview(client, quiz, (SAMPLES / "every_type.gift").read_text(encoding="utf-8"))

    assert quiz.revisions.count() == revisions


def test_the_preview_lists_a_broken_question_with_its_line_and_reason(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    response = preview(client, quiz, (SAMPLES / "broken.gift").read_text(encoding="utf-8"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 12: The answers opened with “{” are not closed with “}”." in html
    assert "1 question is broken and will be left out." in html


def test_the_preview_is_still_there_when_the_page_is_opened_again(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    preview(client, quiz, (SAMPLES / "broken.gift").read_text(encoding="utf-8"))

    html = client.get(import_url(quiz)).content.decode()

    assert "8 questions are ready to import." in html


def preview_page_queries(client, quiz, questions: int) -> int:
    preview(client, quiz, "\n\n".join(f"Question {n}?{{=a ~b}}" for n in range(questions)))
    with CaptureQueriesContext(connection) as queries:
        client.get(import_url(quiz))
    return len(queries)


def test_the_preview_page_runs_as_many_queries_for_fifty_questions_as_for_one(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    assert preview_page_queries(client, quiz, 50) == preview_page_queries(client, quiz, 1)


def test_importing_adds_the_ready_questions_of_a_file_with_a_broken_one(client, quiz_and_instructor):
    quiz, user = quiz_and_instructor
    preview(client, quiz, (SAMPLES / "broken.gift").read_text(encoding="utf-8"))

    response = client.post(import_url(quiz), {"token": token_of(quiz, user)})

    assert response.status_code == 302
    assert len(draft_bank(quiz)) == 1 + 8
    assert len(QuizPage.objects.get(pk=quiz.pk).questions) == 1  # the live page is unchanged until publish


def test_a_gift_file_with_every_supported_type_is_imported_into_a_draft(client, quiz_and_instructor):
    quiz, user = quiz_and_instructor
    preview(client, quiz, (SAMPLES / "every_type.gift").read_text(encoding="utf-8"))

    client.post(import_url(quiz), {"token": token_of(quiz, user)})

    assert {q["type"] for q in draft_bank(quiz)} >= {
        "single_choice",
        "multiple_response",
        "true_false",
        "short_answer",
        "fill_blanks",
        "matching",
        "numeric",
        "essay",
    }


def test_the_weighted_numeric_question_of_the_issue_imports(client, quiz_and_instructor):
    quiz, user = quiz_and_instructor
    html = preview(client, quiz, "What is 3?{#=%50%2:0.5 =3:0}").content.decode()

    client.post(import_url(quiz), {"token": token_of(quiz, user)})

    assert "gives 50% of the points in the file" in html
    assert [q["answer"] for q in draft_bank(quiz) if q["type"] == "numeric"] == ["3"]


def test_an_aiken_file_is_imported(client, quiz_and_instructor):
    quiz, user = quiz_and_instructor
    preview(client, quiz, (SAMPLES / "aiken.txt").read_text(encoding="utf-8"), fmt="aiken")

    response = client.post(import_url(quiz), {"token": token_of(quiz, user)})

    assert response.status_code == 302
    assert len(draft_bank(quiz)) > 1


def test_a_broken_aiken_file_shows_a_preview_with_its_lines(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    response = preview(client, quiz, (SAMPLES / "aiken_broken.txt").read_text(encoding="utf-8"), fmt="aiken")

    assert response.status_code == 200
    assert "Line 8: Choice C should be choice B." in response.content.decode()


def test_importing_the_same_preview_twice_adds_the_questions_once(client, quiz_and_instructor):
    quiz, user = quiz_and_instructor
    preview(client, quiz, "Pick one.{=a ~b}")
    token = token_of(quiz, user)
    client.post(import_url(quiz), {"token": token})
    revisions = quiz.revisions.count()

    response = client.post(import_url(quiz), {"token": token})

    assert (response.status_code, quiz.revisions.count(), len(draft_bank(quiz))) == (409, revisions, 2)


def test_a_preview_replaced_by_a_newer_upload_is_refused(client, quiz_and_instructor):
    quiz, user = quiz_and_instructor
    preview(client, quiz, "Pick one.{=a ~b}")
    old = token_of(quiz, user)
    preview(client, quiz, "Pick another.{=c ~d}")

    response = client.post(import_url(quiz), {"token": old})

    assert response.status_code == 409
    assert "can no longer be imported" in response.content.decode()


def test_a_preview_older_than_an_hour_is_refused(client, quiz_and_instructor):
    quiz, user = quiz_and_instructor
    preview(client, quiz, "Pick one.{=a ~b}")
    QuestionImportDraft.objects.filter(quiz=quiz).update(created_at=timezone.now() - timedelta(hours=2))
    revisions = quiz.revisions.count()

    response = client.post(import_url(quiz), {"token": token_of(quiz, user)})

    assert (response.status_code, quiz.revisions.count()) == (409, revisions)


def test_another_instructors_preview_cannot_be_imported(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    colleague = make_user(is_superuser=True)  # a platform admin, who may edit every course
    client.force_login(colleague)
    preview(client, quiz, "Pick one.{=a ~b}")
    theirs = token_of(quiz, colleague)
    client.force_login(_user)
    revisions = quiz.revisions.count()

    response = client.post(import_url(quiz), {"token": theirs})

    assert (response.status_code, quiz.revisions.count()) == (409, revisions)


def test_a_forged_token_is_refused(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    assert client.post(import_url(quiz), {"token": "not-a-token"}).status_code == 409


def test_an_unknown_import_format_is_a_400_with_a_message(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    response = preview(client, quiz, "Pick one.{=a ~b}", fmt="qti")

    assert response.status_code == 400
    assert "“qti” is not a format we can import" in response.content.decode()


def test_an_empty_file_is_a_400_with_a_message(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    upload = SimpleUploadedFile("empty.gift", b"", "text/plain")

    response = client.post(import_url(quiz), {"format": "gift", "file": upload})

    assert response.status_code == 400
    assert "The file is empty." in response.content.decode()


def test_a_file_of_blank_lines_is_a_400_with_a_message(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    upload = SimpleUploadedFile("blank.gift", b"\n  \n", "text/plain")

    response = client.post(import_url(quiz), {"format": "gift", "file": upload})

    assert response.status_code == 400
    assert "The file is empty." in response.content.decode()


def test_a_file_with_only_comments_is_a_400_with_a_message(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    response = preview(client, quiz, "// nothing but a comment\n$CATEGORY: empty\n")

    assert response.status_code == 400
    assert "The file holds no questions" in response.content.decode()


def test_a_file_that_is_not_utf8_is_a_400_with_a_message(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    upload = SimpleUploadedFile("latin1.gift", "Café?{T}".encode("latin-1"), "text/plain")

    response = client.post(import_url(quiz), {"format": "gift", "file": upload})

    assert response.status_code == 400
    assert "The file is not UTF-8 text" in response.content.decode()


def test_a_file_over_the_size_limit_is_a_400_with_a_message(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor
    upload = SimpleUploadedFile("big.gift", b"x" * (MAX_IMPORT_BYTES + 1), "text/plain")

    response = client.post(import_url(quiz), {"format": "gift", "file": upload})

    assert response.status_code == 400
    assert "The file is too large to import" in response.content.decode()


def test_no_file_at_all_is_a_400_with_a_message(client, quiz_and_instructor):
    quiz, _user = quiz_and_instructor

    response = client.post(import_url(quiz), {"format": "gift"})

    assert response.status_code == 400
    assert "Choose a file to import, or paste the questions." in response.content.decode()


def test_an_instructor_of_another_course_cannot_open_the_import_page(client):
    quiz, other = make_quiz(), make_task()
    client.force_login(instructor_of(other))

    assert client.get(import_url(quiz)).status_code == 403


def test_an_instructor_of_another_course_cannot_import(client):
    quiz, other = make_quiz(), make_task()
    client.force_login(instructor_of(other))
    revisions = quiz.revisions.count()

    response = preview(client, quiz, "Q{T}")

    assert response.status_code == 403
    assert (quiz.revisions.count(), QuestionImportDraft.objects.count()) == (revisions, 0)


def test_importing_into_an_unknown_quiz_is_a_404(client, quiz_and_instructor):
    assert client.get(reverse("assessments_admin:import", args=[999_999])).status_code == 404


def test_a_quiz_exports_to_gift(client):
    quiz = make_quiz(questions=[single_choice()])
    client.force_login(instructor_of(quiz))

    response = client.get(reverse("assessments_admin:export", args=[quiz.pk]))

    assert response.status_code == 200
    assert "=22" in response.content.decode()


def test_item_analysis_shows_the_distribution_facility_and_choice_counts(client):
    quiz = make_quiz(questions=[single_choice()])
    for answer in ("a", "a", "b", "c"):
        learner = learner_in(quiz)
        attempt = attempt_start(quiz=quiz, user=learner)
        response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw=answer)
        attempt_submit(attempt=attempt, user=learner)
    client.force_login(instructor_of(quiz))

    html = client.get(reverse("assessments_admin:analysis", args=[quiz.pk])).content.decode()
    csv = client.get(reverse("assessments_admin:analysis_csv", args=[quiz.pk])).content.decode()

    assert "<svg" in html
    assert "4 graded attempts" in html
    assert "1,Which port does SSH use? (1),4,0.50,1.00" in csv
    assert "1,,,,,22,2,yes" in csv
    assert "1,,,,,80,1,no" in csv


def test_a_single_choice_question_without_a_correct_answer_cannot_be_published():
    question = single_choice()
    question["choices"] = [dict(c, correct=False) for c in question["choices"]]
    block = SingleChoiceBlock()
    value = block.to_python(raw_question_block(question)["value"])

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)

    assert "exactly one correct answer" in str(refused.value.non_block_errors.as_data()[0].message)


def test_the_author_preview_shows_every_question_with_its_answers(rf):
    quiz = make_quiz(questions=[single_choice()])
    request = rf.get("/")
    request.user = instructor_of(quiz)

    response = quiz.serve_preview(request, "questions")
    html = response.render().content.decode()

    assert "Which port does SSH use? (1)" in html
    assert "22 ✓" in html
    assert "Right, feedback-a-1." in html


def test_item_analysis_csv_quotes_choice_texts_a_spreadsheet_would_run(client):
    question = single_choice()
    question["choices"][1]["text"] = '=HYPERLINK("http://evil.test")'
    quiz = make_quiz(questions=[question])
    for answer in ("a", "b"):
        learner = learner_in(quiz)
        attempt = attempt_start(quiz=quiz, user=learner)
        response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw=answer)
        attempt_submit(attempt=attempt, user=learner)
    client.force_login(instructor_of(quiz))

    csv = client.get(reverse("assessments_admin:analysis_csv", args=[quiz.pk])).content.decode()

    assert '1,,,,,"\'=HYPERLINK(""http://evil.test"")",1,no' in csv
    assert "1,,,,,22,1,yes" in csv
