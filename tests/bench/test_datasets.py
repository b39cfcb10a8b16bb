"""The generator writes what the product would: aggregates and completions by progress's rules, pages the tree
accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from wagtail.models import Page

from bench import datasets
from bench.learners import copy_rows
from bench.pages import pages_bulk_add
from content.models import CourseItemPage, ModulePage
from progress.models import CourseProgress, Enrolment, ItemProgress, ModuleProgress
from progress.services import course_grade, meets_policy, progress_refresh

pytestmark = pytest.mark.django_db

FIGURES = ("minutes_done", "minutes_total", "percent", "items_started", "items_done", "required_done", "grade")


def figures(row) -> tuple:
    return tuple(getattr(row, name) for name in FIGURES)


@pytest.mark.usefixtures("bench_dataset")
def test_generated_aggregates_equal_what_progress_refresh_writes():
    enrolments = list(Enrolment.objects.select_related("course").order_by("pk"))
    assert enrolments
    for enrolment in enrolments[:: max(1, len(enrolments) // 25)]:
        stored = CourseProgress.objects.get(enrolment=enrolment)
        modules = {m.module_id: figures(m) for m in ModuleProgress.objects.filter(enrolment=enrolment)}
        with transaction.atomic():
            fresh = progress_refresh(enrolment=enrolment)
            refreshed = {m.module_id: figures(m) for m in ModuleProgress.objects.filter(enrolment=enrolment)}
            transaction.set_rollback(True)
        assert figures(stored) == figures(fresh), enrolment.pk
        assert stored.next_item_id == fresh.next_item_id, enrolment.pk
        assert modules == refreshed, enrolment.pk


@pytest.mark.usefixtures("bench_dataset")
def test_generated_completions_are_the_ones_the_completion_policy_gives():
    enrolments = list(Enrolment.objects.select_related("course", "course_progress").order_by("pk"))
    completed = [e for e in enrolments if e.completed_at is not None]
    assert completed, "the dataset has learners who finished"
    assert len(completed) < len(enrolments)
    for enrolment in enrolments:
        progress = enrolment.course_progress
        assert (enrolment.completed_at is not None) == meets_policy(course=enrolment.course, progress=progress)
        if enrolment.completed_at is not None:
            assert enrolment.final_grade == course_grade(progress), enrolment.pk


def test_bulk_added_pages_form_a_valid_tree(bench_dataset):
    manifest = bench_dataset
    course = manifest.small
    modules = list(ModulePage.objects.child_of(course).order_by("path"))
    assert [m.numchild for m in modules] == [10, 10]
    items = list(CourseItemPage.objects.child_of(modules[0]).order_by("path"))
    assert [item.get_parent().pk for item in items] == [modules[0].pk] * 10
    assert items[0].url.startswith(course.url)


def test_bulk_added_pages_go_after_the_existing_children(bench_dataset):
    manifest = bench_dataset
    course = manifest.small
    pages_bulk_add(course, [ModulePage(title="Extra", slug="extra")])
    modules = list(ModulePage.objects.child_of(course).order_by("path"))
    assert [m.slug for m in modules] == ["module-1", "module-2", "extra"]
    assert Page.objects.get(pk=course.pk).numchild == 3


@pytest.mark.postgres
def test_copy_rows_writes_through_copy_on_postgresql(bench_dataset):
    manifest = bench_dataset
    enrolment = Enrolment.objects.filter(user=manifest.named["completer"]).first()
    item = manifest.items(enrolment.course)[-1]
    ItemProgress.objects.filter(enrolment=enrolment, item=item).delete()
    columns = ["enrolment", "item", "state", "last_event_at", "updated_at"]
    from django.utils import timezone

    now = timezone.now()
    assert copy_rows(ItemProgress, columns, [(enrolment.pk, item.pk, "in_progress", now, now)]) == 1
    assert ItemProgress.objects.get(enrolment=enrolment, item=item).state == "in_progress"


def test_the_schema_hash_changes_with_progress_rules(tmp_path, monkeypatch):
    rules = datasets._product_rules()
    progress_folder = Path(apps.get_app_config("progress").path)
    assert rules and all(progress_folder in path.parents for path in rules)
    assert any("services" in (path.stem, path.parent.name) for path in rules)
    before = datasets.schema_hash(datasets.tiny())
    changed_rule = tmp_path / "services.py"
    changed_rule.write_text("COMPLETION = 'changed'\n")
    monkeypatch.setattr(datasets, "_product_rules", lambda: [*rules, changed_rule])
    assert datasets.schema_hash(datasets.tiny()) != before
