"""Demo quizzes and tasks: one QuizPage per module (module["quiz"]) and one TaskPage per course (course["task"]).

Idempotent: a module that already has a quiz, or a course that already has a task, is left as it is. The French
course's quizzes and task (copied by content's demo) get their French text once, keeping every block id and
answer key.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction

from assessments.blocks import raw_question_block
from assessments.models import QuizPage, TaskPage
from content.demo import DemoCatalog, translated_value
from content.models import CoursePage, ModulePage

_SUBMISSION_FLAGS = {"text": "accept_text", "file": "accept_files", "link": "accept_link"}


def _rubric(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "criterion",
            "value": {
                "title": c["criterion"],
                "description": c.get("description") or "",
                "levels": [
                    {
                        "type": "item",
                        "id": str(uuid.uuid4()),
                        "value": {
                            "label": lv["label"],
                            "points": str(lv["points"]),
                            "description": lv.get("description") or "",
                        },
                    }
                    for lv in c["levels"]
                ],
            },
        }
        for c in criteria
    ]


@transaction.atomic
def quiz_seed(*, module: ModulePage, spec: dict[str, Any]) -> QuizPage:
    existing = QuizPage.objects.child_of(module).first()
    if existing is not None:
        return existing.specific
    quiz = QuizPage(
        title=spec["title"],
        estimated_minutes=spec.get("minutes", 15),
        pass_mark=Decimal(str(spec.get("pass_mark", 70))),
        grade_weight=Decimal("1"),
        intro="<p>Check what you learned in this module. You can take the quiz as often as you like.</p>",
        questions=[raw_question_block(q) for q in spec["questions"]],
    )
    module.add_child(instance=quiz)
    quiz.save_revision().publish()
    return quiz


@transaction.atomic
def task_seed(*, course: CoursePage, spec: dict[str, Any]) -> TaskPage:
    existing = TaskPage.objects.descendant_of(course).first()
    if existing is not None:
        return existing.specific
    module = ModulePage.objects.child_of(course).order_by("-path").first()
    if module is None:
        raise ValueError(f"course {course.slug} has no module for its task")
    kinds = spec.get("submission_types") or ["text"]
    task = TaskPage(
        title=spec["title"],
        estimated_minutes=spec.get("minutes", 60),
        instructions=spec["instructions"],
        allowed_file_types=", ".join(spec.get("allowed_file_types") or ["pdf"]),
        max_file_mb=spec.get("max_file_mb", 10),
        rubric=_rubric(spec.get("rubric") or []),
        grade_weight=Decimal("2"),
        **{flag: kind in kinds for kind, flag in _SUBMISSION_FLAGS.items()},
    )
    module.add_child(instance=task)
    task.save_revision().publish()
    return task


def seed_assessments(*, demo: DemoCatalog) -> tuple[list[QuizPage], list[TaskPage]]:
    """A quiz in every module and a task in every course of the demo catalog."""
    quizzes: list[QuizPage] = []
    tasks: list[TaskPage] = []
    for slug, spec in demo.data.items():
        course = demo.courses[slug]
        modules = list(ModulePage.objects.child_of(course).order_by("path"))
        for module, module_spec in zip(modules, spec["modules"], strict=False):
            if module_spec.get("quiz"):
                quizzes.append(quiz_seed(module=module, spec=module_spec["quiz"]))
        if spec.get("task"):
            tasks.append(task_seed(course=course, spec=spec["task"]))
    return quizzes, tasks


def _questions(raw: list[dict[str, Any]], source: list[dict[str, Any]], translation: list[dict[str, Any]]) -> list:
    """The translated questions of a copied quiz: each keeps its block id (attempts are keyed by it), its choice,
    pair and item ids, and the original's answer key (the translation gives text only)."""
    merged = translated_value(source, translation)
    questions = [raw_question_block({**q, "key": existing["id"]}) for q, existing in zip(merged, raw, strict=True)]
    if [q["type"] for q in questions] != [q["type"] for q in raw]:
        raise ValueError("a translated quiz must have the same questions as its original")
    return questions


def _translated_rubric(raw: list[dict[str, Any]], translation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copied rubric with translated criteria and levels, keeping every block id and the points."""
    rubric = []
    for block, text in zip(raw, translation, strict=True):
        value = block["value"]
        levels = [
            {**level, "value": {**level["value"], "label": t["label"], "description": t.get("description") or ""}}
            for level, t in zip(value["levels"], text["levels"], strict=True)
        ]
        title, description = text["criterion"], text.get("description") or ""
        rubric.append({**block, "value": {**value, "title": title, "description": description, "levels": levels}})
    return rubric


@transaction.atomic
def quiz_translation_seed(*, quiz: QuizPage, spec: dict[str, Any], translation: dict[str, Any], intro: str) -> None:
    if quiz.live:
        return
    quiz.title, quiz.intro = translation["title"], intro
    quiz.questions = _questions(list(quiz.questions.raw_data), spec["questions"], translation["questions"])
    quiz.save_revision().publish()


@transaction.atomic
def task_translation_seed(*, task: TaskPage, translation: dict[str, Any]) -> None:
    if task.live:
        return
    task.title, task.instructions = translation["title"], translation["instructions"]
    task.rubric = _translated_rubric(list(task.rubric.raw_data), translation.get("rubric") or [])
    task.save_revision().publish()


def seed_assessment_translations(*, demo: DemoCatalog) -> None:
    """The French quizzes and task of the translated demo courses (after content's `seed_translations`)."""
    for slug, course in demo.french.items():
        spec, translation = demo.data[slug], demo.french_data[slug]
        modules = list(ModulePage.objects.child_of(course).order_by("path"))
        for module, module_spec, module_text in zip(modules, spec["modules"], translation["modules"], strict=True):
            quiz = QuizPage.objects.child_of(module).first()
            if quiz is not None and module_spec.get("quiz"):
                quiz_translation_seed(
                    quiz=quiz.specific,
                    spec=module_spec["quiz"],
                    translation=module_text["quiz"],
                    intro=translation["quiz_intro"],
                )
        task = TaskPage.objects.descendant_of(course).first()
        if task is not None and spec.get("task"):
            task_translation_seed(task=task.specific, translation=translation["task"])
