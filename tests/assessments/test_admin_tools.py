"""Instructor tools in the Wagtail admin: grading queue, grading, import and export, item analysis."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from wagtail.blocks.struct_block import StructBlockValidationError

from assessments.blocks import SingleChoiceBlock, raw_question_block
from assessments.models import QuizPage, SubmissionState
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


def test_a_gift_file_with_every_supported_type_is_imported_into_a_draft(client):
    quiz = make_quiz()
    client.force_login(instructor_of(quiz))
    text = (SAMPLES / "every_type.gift").read_text(encoding="utf-8")

    response = client.post(reverse("assessments_admin:import", args=[quiz.pk]), {"format": "gift", "text": text})

    assert response.status_code == 302
    draft = QuizPage.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    bank, _layout = draft.question_bank()
    types = {q["type"] for q in bank.values()}
    assert types >= {
        "single_choice",
        "multiple_response",
        "true_false",
        "short_answer",
        "fill_blanks",
        "matching",
        "numeric",
        "essay",
    }
    assert len(QuizPage.objects.get(pk=quiz.pk).questions) == 1  # the live page is unchanged until publish


def test_a_gift_file_with_a_broken_line_imports_nothing_and_reports_the_line(client):
    quiz = make_quiz()
    client.force_login(instructor_of(quiz))
    revisions = quiz.revisions.count()
    text = (SAMPLES / "broken.gift").read_text(encoding="utf-8")

    response = client.post(reverse("assessments_admin:import", args=[quiz.pk]), {"format": "gift", "text": text})

    assert response.status_code == 400
    assert "Line 12" in response.content.decode()
    assert quiz.revisions.count() == revisions


def test_an_aiken_file_is_imported(client):
    quiz = make_quiz()
    client.force_login(instructor_of(quiz))
    text = (SAMPLES / "aiken.txt").read_text(encoding="utf-8")

    response = client.post(reverse("assessments_admin:import", args=[quiz.pk]), {"format": "aiken", "text": text})

    assert response.status_code == 302


def test_an_instructor_of_another_course_cannot_import(client):
    quiz, other = make_quiz(), make_task()
    client.force_login(instructor_of(other))

    revisions = quiz.revisions.count()
    response = client.post(reverse("assessments_admin:import", args=[quiz.pk]), {"format": "gift", "text": "Q{T}"})

    assert refused(response)
    assert quiz.revisions.count() == revisions


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
