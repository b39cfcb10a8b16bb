"""The grading queue (20 and 500 submissions) and the checkout quote (a learner's course, an organization's bundle).

Their rows are added to the restored database when the probes are made, not built into the dataset template: a
course of one task per queue size with its instructor and submitters, and a paid course. They are small (at most
a few seconds) and leave the dataset's other courses untouched, so no other probe's figures move.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group

from bench.extensions import ORG_ADMIN, ORG_SLUG, model
from bench.measure import Probe
from bench.operations import BenchError, Context, NotMeasured, getter

QUEUE_SIZES = (20, 500)
QUEUE_COURSE_SLUG = "bench-grading-{n}"
PAID_COURSE_SLUG = "bench-paid"
BUNDLE_SEATS = (5, 5000)


def _course(slug: str, title: str, *, price: Decimal = Decimal("0")) -> Any:
    """A live course with one module under the catalog (made once per run database)."""
    from content.demo import site_ensure
    from content.models import CoursePage, ModulePage

    existing = CoursePage.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    _home, catalog = site_ensure()
    course = CoursePage(
        title=title,
        slug=slug,
        summary=title,
        description=f"<p>{title}.</p>",
        estimated_hours=6,
        list_price=price,
    )
    catalog.add_child(instance=course)
    course.save_revision().publish()
    module = ModulePage(title="Module", slug="module", summary="")
    course.add_child(instance=module)
    module.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk)


# --- grading queue --------------------------------------------------------------------------------------------


def admin_baseline_probes(ctx: Context) -> list[Probe | NotMeasured]:
    """The admin's floor, as the instructor who grades: a Wagtail admin page listing a page's worth of rows (served
    by the bench app, installed by bench.settings only: bench/wagtail_hooks.py)."""
    from bench.landed import _guarded

    names = {"admin_rows": "Wagtail admin page of rows (the grading queue's baseline)"}
    if model("assessments", "Submission") is None:
        return [NotMeasured("admin_rows", names["admin_rows"], "assessments has no Submission model")]
    return _guarded(names, lambda: [_admin_rows_probe(ctx)])


def _admin_rows_probe(ctx: Context) -> Probe:
    from assessments.selectors import QUEUE_PAGE_SIZE

    return Probe(
        "admin_rows",
        f"Wagtail admin page listing {QUEUE_PAGE_SIZE} rows from one query (an instructor)",
        getter(ctx.client(_queue_course(QUEUE_SIZES[0])), f"/admin/bench/rows/{QUEUE_PAGE_SIZE}/"),
        group="baseline",
    )


def grading_probes(ctx: Context) -> list[Probe | NotMeasured]:
    from bench.landed import _guarded

    names = {f"grading_queue_{n}": f"grading queue, {n} submissions" for n in QUEUE_SIZES}
    if model("assessments", "Submission") is None:
        reason = "assessments has no Submission model on this revision"
        return [NotMeasured(name, label, reason) for name, label in names.items()]
    return _guarded(names, lambda: _grading_probes(ctx))


def _queue_course(n: int) -> Any:
    """A course of one task with `n` submissions waiting, and its instructor; returns the instructor."""
    from assessments.models import Submission, TaskPage
    from bench.learners import make_users
    from content.models import ModulePage
    from content.services import course_setup_permissions
    from lms.models import User
    from lms.roles import role_groups_ensure

    email = f"grader-{n}@bench.test"
    instructor = User.objects.filter(email=email).first()
    if instructor is not None:
        return instructor
    course = _course(QUEUE_COURSE_SLUG.format(n=n), f"Benchmark grading, {n} submissions")
    module = ModulePage.objects.child_of(course).get()
    task = TaskPage(title=f"Task of {n} submissions", slug="task", instructions="<p>Hand in your work.</p>")
    module.add_child(instance=task)
    revision = task.save_revision()
    revision.publish()
    role_groups_ensure()
    instructor = User.objects.create(email=email, display_name=f"Grader {n}", password=User().password)
    course.instructors.add(instructor)
    course_setup_permissions(course=course)
    learners = make_users(f"submitter{n}-", n, password_hash=instructor.password)
    Submission.objects.bulk_create(
        [Submission(learner=learner, task=task, revision=revision, number=1, text="My work.") for learner in learners]
    )
    if not Group.objects.filter(user=instructor).exists():
        raise BenchError("the grader is in no group")
    return instructor


def _grading_probes(ctx: Context) -> list[Probe]:
    from assessments.selectors import QUEUE_PAGE_SIZE

    return [
        Probe(
            f"grading_queue_{n}",
            f"grading queue, {n} submissions waiting (the course's instructor; {QUEUE_PAGE_SIZE} a page)",
            getter(ctx.client(_queue_course(n)), "/admin/grading/"),
            baseline="admin_rows",
            # As many calls as its baseline: with 4 a round, its p95 was the second-slowest of 20 calls.
            per_round=12,
            group="grading queue",
        )
        for n in QUEUE_SIZES
    ]


# --- checkout quote ---------------------------------------------------------------------------------------------


def checkout_probes(ctx: Context) -> list[Probe | NotMeasured]:
    from bench.landed import _guarded

    names = {"checkout_quote": "checkout quote, one course"}
    names.update({f"bundle_quote_{n}": f"checkout quote, a bundle of {n:,} seats" for n in BUNDLE_SEATS})
    if model("commerce", "Order") is None:
        reason = "commerce has not landed on this revision (no Order model)"
        return [NotMeasured(name, label, reason) for name, label in names.items()]
    return _guarded(names, lambda: _checkout_probes(ctx))


def _checkout_probes(ctx: Context) -> list[Probe]:
    from urllib.parse import urlencode

    from bench.datasets import DASHBOARD_ONE
    from bench.landed import org_sizes
    from commerce.providers import providers_available
    from lms.models import User

    course = _course(PAID_COURSE_SLUG, "Benchmark paid course", price=Decimal("149.00"))
    buyer = ctx.client(ctx.manifest.named[DASHBOARD_ONE])  # enrolled in one other course, not this one
    n = min(org_sizes())
    admin = ctx.client(User.objects.get(email=f"{ORG_ADMIN.format(n=n)}@bench.test"))
    (provider, *_others) = providers_available(organization=True)
    probes = [
        Probe(
            "checkout_quote",
            "checkout quote: a learner's checkout page of a paid course (price, tax, total)",
            getter(buyer, f"/checkout/course/{course.pk}/"),
            baseline="render_12",
            group="checkout quote",
        )
    ]
    for seats in BUNDLE_SEATS:
        query = {
            "organization": ORG_SLUG.format(n=n),
            "course": course.pk,
            "seats": seats,
            "province": "ON",
            "coupon": "",
            "provider": provider,
        }
        probes.append(
            Probe(
                f"bundle_quote_{seats}",
                f"checkout quote: an organization's bundle of {seats:,} seats",
                getter(admin, f"/checkout/bundle/?{urlencode(query)}"),
                baseline="render_12",
                group="checkout quote",
            )
        )
    return probes
