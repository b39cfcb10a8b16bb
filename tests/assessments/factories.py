"""Quizzes and tasks for the assessment tests, built through the same block data the admin saves."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from wagtail.models import Revision

from assessments.blocks import raw_question_block
from assessments.models import QuizPage, TaskPage
from content.models import CoursePage, ModulePage
from lms.models import User
from progress.services import enrolment_create
from tests.factories import make_course, make_user

_counter = itertools.count(1)


def single_choice(n: int = 1, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "single_choice",
        "prompt": f"Which port does SSH use? ({n})",
        "points": 1,
        "explanation": f"SSH listens on 22 (explanation {n}).",
        "choices": [
            {"id": "a", "text": "22", "correct": True, "feedback": f"Right, feedback-a-{n}."},
            {"id": "b", "text": "80", "correct": False, "feedback": f"That is HTTP, feedback-b-{n}."},
            {"id": "c", "text": "443", "correct": False, "feedback": ""},
        ],
    } | overrides


def every_type() -> list[dict[str, Any]]:
    """One question of each type; every answer-key text is unique, so a page can be scanned for it."""
    return [
        single_choice(),
        {
            "type": "multiple_response",
            "prompt": "Which are private ranges?",
            "points": 2,
            "explanation": "secret-explanation-mr",
            "choices": [
                {"id": "a", "text": "10.0.0.0/8", "correct": True, "feedback": "secret-feedback-mr-a"},
                {"id": "b", "text": "192.168.0.0/16", "correct": True, "feedback": ""},
                {"id": "c", "text": "8.8.8.0/24", "correct": False, "feedback": "secret-feedback-mr-c"},
            ],
        },
        {
            "type": "true_false",
            "prompt": "Linux has drive letters.",
            "points": 1,
            "explanation": "",
            "correct": False,
            "feedback_true": "secret-feedback-true",
            "feedback_false": "secret-feedback-false",
        },
        {
            "type": "numeric",
            "prompt": "How many addresses does a /26 hold?",
            "points": 1,
            "explanation": "",
            "answer": "64",
            "tolerance": "0",
            "tolerance_kind": "absolute",
            "unit": "",
            "unit_mode": "ignored",
        },
        {
            "type": "short_answer",
            "prompt": "Name the Kubernetes CLI.",
            "points": 1,
            "explanation": "",
            "accepted": ["kubectlsecret"],
            "regex": "",
        },
        {
            "type": "fill_blanks",
            "prompt": "Complete it.",
            "points": 2,
            "explanation": "",
            "text": "Config lives in [[b1]] and logs in [[b2]].",
            "blanks": [{"id": "b1", "accepted": ["etcsecret"]}, {"id": "b2", "accepted": ["varlogsecret"]}],
        },
        {
            "type": "matching",
            "prompt": "Match the ports.",
            "points": 2,
            "explanation": "",
            "pairs": [
                {"id": "p1", "left": "SSH", "right": "twenty-two"},
                {"id": "p2", "left": "HTTPS", "right": "four-four-three"},
                {"id": "p3", "left": "", "right": "eighty"},
            ],
        },
        {
            "type": "ordering",
            "prompt": "Order the layers.",
            "points": 1,
            "explanation": "",
            "items": [
                {"id": "i1", "text": "Physical"},
                {"id": "i2", "text": "Data link"},
                {"id": "i3", "text": "Network"},
            ],
        },
    ]


def module_of(course: CoursePage) -> ModulePage:
    return ModulePage.objects.child_of(course).order_by("path").first()


def make_quiz(
    *, questions: list[dict[str, Any]] | None = None, course: CoursePage | None = None, **fields: Any
) -> QuizPage:
    course = course or make_course(modules=1, lessons_per_module=0)
    quiz = QuizPage(
        title=fields.pop("title", f"Quiz {next(_counter)}"),
        questions=[raw_question_block(q) for q in (questions if questions is not None else [single_choice()])],
        **fields,
    )
    module_of(course).add_child(instance=quiz)
    quiz.save_revision().publish()
    return QuizPage.objects.get(pk=quiz.pk)


def republish(quiz: QuizPage, questions: list[dict[str, Any]]) -> QuizPage:
    """An instructor's edit: a new live revision whose questions keep their keys."""
    quiz = QuizPage.objects.get(pk=quiz.pk)
    quiz.questions = [raw_question_block(q) for q in questions]
    quiz.save_revision().publish()
    return QuizPage.objects.get(pk=quiz.pk)


def make_task(*, course: CoursePage | None = None, **fields: Any) -> TaskPage:
    course = course or make_course(modules=1, lessons_per_module=0)
    task = TaskPage(
        title=fields.pop("title", f"Task {next(_counter)}"),
        instructions="<p>Do the thing.</p>",
        **fields,
    )
    module_of(course).add_child(instance=task)
    task.save_revision().publish()
    return TaskPage.objects.get(pk=task.pk)


def course_of(page: QuizPage | TaskPage) -> CoursePage:
    return CoursePage.objects.get(path=page.path[: -2 * page.steplen])


def learner_in(page: QuizPage | TaskPage) -> User:
    user = make_user()
    course = course_of(page)
    if course.is_free:
        enrolment_create(user=user, course=course)
    else:
        enrolment_create(user=user, course=course, source="admin", actor=make_user(is_superuser=True))
    return user


def keys_of(quiz: QuizPage) -> list[str]:
    return [child.id for child in quiz.questions]


def pct(value: str) -> Decimal:
    return Decimal(value)


def live_revision(quiz: QuizPage) -> Revision:
    """The quiz's current published revision: what an explicit regrade grades against."""
    return Revision.objects.get(pk=QuizPage.objects.get(pk=quiz.pk).live_revision_id)
