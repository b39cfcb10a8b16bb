"""Operations of the apps built after progress: quizzes, badges, organizations. Each factory checks its app.

A factory returns Probes when the app's code and its dataset part are on this revision, else one
`NotMeasured` per operation with the reason. Rates that are not a per-request time (credentials per second,
export rows per second) are measured by `extra_measurements` and judged beside the table.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.datasets import QUIZ_TAKER
from bench.exports import staff_export_rates
from bench.extensions import (
    ISSUER_SLUG,
    ORG_ADMIN,
    ORG_SLUG,
    QUIZ_COURSE_SLUG,
    QUIZ_SIZES,
    model,
)
from bench.measure import Probe, percentile
from bench.operations import BenchError, Context, NotMeasured, expect, getter
from bench.signin import signin_rate
from bench.statements import rows_copy_out

QUIZ_LABEL = "quiz submit and grade, {n} questions"


def _guarded(names: dict[str, str], factory: Callable[[], list[Probe]]) -> list[Probe | NotMeasured]:
    """The factory's probes, or every operation it stands for as not measured with the error it raised."""
    try:
        probes = factory()
        for probe in probes:
            probe.call()  # one call before the rounds: an adapter that no longer fits fails here, not mid-run
        return list(probes)
    except Exception as error:  # noqa: BLE001 - reported in RESULTS.md, never approximated
        reason = f"the bench adapter failed on this revision: {type(error).__name__}: {error}"[:300]
        return [NotMeasured(name, label, reason) for name, label in names.items()]


# --- quizzes ------------------------------------------------------------------------------------------------


def quiz_probes(ctx: Context) -> list[Probe | NotMeasured]:
    names = {f"quiz_submit_{n}": QUIZ_LABEL.format(n=n) for n in QUIZ_SIZES}
    if model("assessments", "Attempt") is None:
        reason = "assessments has not landed on main (no QuizPage/Attempt models)"
        return [NotMeasured(name, label, reason) for name, label in names.items()]
    return _guarded(names, lambda: _quiz_probes(ctx))


def _quiz_probes(ctx: Context) -> list[Probe]:
    from assessments.models import QuizPage
    from assessments.services import attempt_questions, attempt_start, responses_save

    user = ctx.manifest.named[QUIZ_TAKER]
    client = ctx.client(user)
    course = ctx.manifest.course(QUIZ_COURSE_SLUG)
    probes = []
    for n in QUIZ_SIZES:
        quiz = QuizPage.objects.descendant_of(course).get(slug=f"quiz-{n}")
        state: dict[str, Any] = {}

        def prepare(quiz: QuizPage = quiz, state: dict[str, Any] = state) -> None:
            attempt = attempt_start(quiz=quiz, user=user)
            answers = {
                q["key"]: next(c["id"] for c in q["choices"] if c["correct"]) for q in attempt_questions(attempt)
            }
            responses_save(attempt=attempt, user=user, answers=answers)
            state["attempt"] = attempt

        def submit(state: dict[str, Any] = state, prepare: Callable[[], None] = prepare) -> None:
            if "attempt" not in state:
                prepare()
            attempt = state.pop("attempt")
            expect(client.post(f"/learning/attempts/{attempt.pk}/submit/"), 302)

        probes.append(
            Probe(
                f"quiz_submit_{n}",
                QUIZ_LABEL.format(n=n),
                submit,
                baseline="write_row",
                per_round=6,
                prepare=prepare,
                group="quiz submit",
                notes="answers saved before (untimed); timed: the submit POST that grades and records the result",
            )
        )
    return probes


# --- badges ---------------------------------------------------------------------------------------------------


def badge_probes(ctx: Context) -> list[Probe | NotMeasured]:
    names = {
        "verification_page": "credential verification page",
        "verification_page_cold": "credential verification page, a credential never seen before",
        "verify_pasted": "verify a pasted credential (signature checked)",
    }
    if model("badges", "Award") is None:
        reason = "badges issuing has not landed on main (no Award model)"
        return [NotMeasured(name, label, reason) for name, label in names.items()]
    return _guarded(names, lambda: _badge_probes(ctx))


def verification_memos_clear() -> None:
    """Forget, in this process, every credential the verification page has seen: what it memoises per credential
    (the parsed credential, its fixed parts, its QR code). The page then renders as it does for a credential that
    no visitor has opened since the process started. Nothing of the page is kept in Django's cache."""
    from badges import artifacts, selectors, views

    for memo in (views._credential_fixed_parts, selectors.credential_facts, artifacts.qr_svg):
        memo.cache_clear()


def _visitor_addresses() -> Callable[[], str]:
    """A new documentation address (RFC 5737) for each call: a visitor's 10 verifications per 5 minutes are the
    limit, and the bench stands for many visitors. Only a REMOTE_ADDR in the in-process request: nothing is sent."""
    addresses = [f"{prefix}.{n}" for prefix in ("192.0.2", "198.51.100", "203.0.113") for n in range(1, 255)]
    state = {"next": 0}

    def take() -> str:
        state["next"] = (state["next"] + 1) % len(addresses)
        return addresses[state["next"]]

    return take


def _completed_enrolments(limit: int) -> list[Any]:
    from badges.models import Achievement, Award
    from progress.models import Enrolment

    courses = Achievement.objects.values_list("course_id", flat=True)
    return list(
        Enrolment.objects.filter(course_id__in=courses, completed_at__isnull=False)
        .exclude(user_id__in=Award.objects.values("learner_id"))
        .order_by("pk")[:limit]
    )


def _badge_probes(ctx: Context) -> list[Probe]:
    from badges.services import award_issue_for_enrolment

    (enrolment,) = _completed_enrolments(1)
    award = award_issue_for_enrolment(enrolment_id=enrolment.pk)
    if award is None:
        raise BenchError("no award was issued for a completed enrolment")
    visitor = Client()
    ctx.extra["visitor"] = visitor
    address = _visitor_addresses()
    valid = b"badges-report badges-report-valid"

    def verify_pasted() -> None:
        response = expect(
            visitor.post("/credentials/verify/", {"credential": award.credential_json}, REMOTE_ADDR=address()), 200
        )
        if valid not in response.content:
            raise BenchError("the pasted credential was not reported valid")

    return [
        Probe(
            "verification_page",
            "credential verification page (a visitor, live status)",
            getter(visitor, f"/credentials/{award.code}/"),
            baseline="render_12",
            group="verification page",
        ),
        Probe(
            "verification_page_cold",
            "credential verification page, a credential never seen before (a visitor, live status)",
            getter(visitor, f"/credentials/{award.code}/"),
            baseline="render_12",
            group="verification page",
            before_call=verification_memos_clear,
            cold=True,
            notes="before each call (untimed): the process forgets every credential it has rendered",
        ),
        Probe(
            "verify_pasted",
            "verify a pasted credential: signature, issuer key (DID) and status list checked",
            verify_pasted,
            baseline="render_12",
            per_round=6,
            group="verification page",
            notes="each call from a new visitor address (the form allows 10 a visitor per 5 minutes)",
        ),
    ]


def _worker_cpu_seconds() -> Callable[[], float] | None:
    """A reader of the bench worker's CPU time (user + system), or None when it cannot be found: the worker
    reports its pid over Celery's remote control, and Linux's /proc gives its clock ticks."""
    import os

    from lms.celery import app

    stats = app.control.inspect(timeout=2).stats() or {}
    pids = [info.get("pid") for info in stats.values() if info.get("pid")]
    if len(pids) != 1 or not os.path.exists(f"/proc/{pids[0]}/stat"):
        return None
    path, tick = f"/proc/{pids[0]}/stat", os.sysconf("SC_CLK_TCK")

    def read() -> float:
        with open(path) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of proc(5))

    return read


def _after_queued_tasks() -> float:
    """Wait for every task queued so far, by awaiting a no-op queued after them, and return when it finished.

    The bench's one worker (solo pool, prefetch 1, late acks) takes its queue in order, so the no-op runs only
    once the tasks before it are done and acknowledged. The award tasks store no result (nobody reads one)."""
    from bench.tasks import noop

    noop.apply_async().get(timeout=120)
    return time.perf_counter()


# A worker's first credentials compose its prepared reads, decrypt the issuer's key and load the JSON-LD contexts: on
# S the first took 13.8 ms of CPU, the next ones 6.6, 5.8, 5.3, then 4.2 ms each. Issued before the timed run, as
# every probe has its warm-up round, and reported beside it: with them in the run, p95 of 40 was the cold start's.
WARM_UP_AWARDS = 3


def credential_issue_rate(log: Callable[[str], None], count: int = 40) -> dict[str, Any]:
    """`count` award tasks through the broker to the one worker, then the same tasks again (must insert nothing).
    Before them, `WARM_UP_AWARDS` award tasks warm the worker, timed apart.

    Also measures, beside it: as many no-op tasks through the same worker (Celery's own floor per task), the
    worker's CPU per credential, and signing split into canonicalisation and Ed25519 (in process, on a stored
    credential), as shares of the wall time and of the worker's CPU time a task.
    """
    import json

    from django.utils import timezone

    from badges.models import Award, AwardStatus, Issuer
    from badges.ob3.proof import canonicalize, hash_data, proof_options, sign
    from badges.services import _active_key
    from badges.tasks import award_issue_task
    from bench.tasks import cpu_per_task, noop, task_cpu_take

    enrolments = _completed_enrolments(WARM_UP_AWARDS + count)
    if len(enrolments) < WARM_UP_AWARDS + count:
        raise BenchError(f"only {len(enrolments)} completed enrolments without an award")
    warm_up, enrolments = enrolments[:WARM_UP_AWARDS], enrolments[WARM_UP_AWARDS:]
    learners = [e.user_id for e in enrolments]
    worker_cpu = _worker_cpu_seconds()

    task_cpu_take.delay().get(timeout=60)  # the worker's per-task CPU counts from here
    for enrolment in warm_up:
        award_issue_task.delay(enrolment.pk)
    _after_queued_tasks()
    cold_cycles, _cold_bodies = cpu_per_task(task_cpu_take.delay().get(timeout=60), award_issue_task.name)

    # Celery's own floor: as many no-op tasks, storing no result either, through the same worker.
    noop_started = time.perf_counter()
    for _ in range(count):
        noop.apply_async(ignore_result=True)
    noop_s = (_after_queued_tasks() - noop_started) / count
    noop_cycles, _noop_bodies = cpu_per_task(task_cpu_take.delay().get(timeout=60), noop.name)

    cpu_before = worker_cpu() if worker_cpu else None
    started = time.perf_counter()
    for enrolment in enrolments:
        award_issue_task.delay(enrolment.pk)
    finished = _after_queued_tasks()
    cpu_s = (worker_cpu() - cpu_before) / count if worker_cpu and cpu_before is not None else None
    award_cycles, award_bodies = cpu_per_task(task_cpu_take.delay().get(timeout=60), award_issue_task.name)
    if len(award_cycles) < count - 1 or len(noop_cycles) < count - 1:
        raise BenchError(f"the worker timed {len(award_cycles)} award tasks and {len(noop_cycles)} no-op tasks")
    cpu_median, cpu_p95 = statistics.median(award_cycles), percentile(award_cycles, 95)
    noop_median, noop_p95 = statistics.median(noop_cycles), percentile(noop_cycles, 95)
    wall = finished - started
    issued = Award.objects.filter(learner_id__in=learners, status=AwardStatus.ISSUED).count()
    if issued != count:
        raise BenchError(f"{count - issued} of {count} awards were not issued")

    before = Award.objects.count()
    for enrolment in enrolments:
        award_issue_task.delay(enrolment.pk)
    _after_queued_tasks()
    repeat_inserts = Award.objects.count() - before

    # Signing, in process: re-sign one stored credential; its two parts timed alone.
    award = Award.objects.filter(status=AwardStatus.ISSUED).exclude(credential_json="").first()
    if award is None:
        raise BenchError("no issued credential to re-sign")
    document = json.loads(award.credential_json)
    proof = document.pop("proof")[0]
    _record, key = _active_key(Issuer.objects.get(slug=ISSUER_SLUG))
    method = proof["verificationMethod"]

    def timed(call: Callable[[], object], repeat: int = 20) -> tuple[float, float]:
        """Median wall and CPU seconds of a call (CPU: comparable with the worker's CPU on a loaded machine)."""
        call()
        walls, cpus = [], []
        for _ in range(repeat):
            t, c = time.perf_counter(), time.thread_time()
            call()
            walls.append(time.perf_counter() - t)
            cpus.append(time.thread_time() - c)
        return statistics.median(walls), statistics.median(cpus)

    sign_s, sign_cpu_s = timed(
        lambda: sign(document, private_key=key, verification_method=method, created=timezone.now())
    )
    canon_s, _canon_cpu_s = timed(lambda: canonicalize(document))
    message = hash_data(document, proof_options(verification_method=method, created=timezone.now()))
    ed25519_s, _ed25519_cpu_s = timed(lambda: key.sign(message), repeat=200)
    batch = _batch_issue_rate(sign_s, sign_cpu_s, worker_cpu)
    per_task = wall / count
    figures = {
        "per_second": count / wall,
        "tasks": count,
        "ms_per_task": per_task * 1000,
        "noop_ms_per_task": noop_s * 1000,
        "worker_cpu_ms_per_task": cpu_s * 1000 if cpu_s is not None else None,
        # Timed in the worker, task by task (bench.tasks): CPU from a task's start to the next one's.
        "cpu_ms_median": cpu_median * 1000,
        "cpu_ms_p95": cpu_p95 * 1000,
        "cpu_body_ms_median": statistics.median(award_bodies) * 1000,
        "noop_cpu_ms_median": noop_median * 1000,
        "noop_cpu_ms_p95": noop_p95 * 1000,
        "cpu_ratio_median": cpu_median / noop_median,
        "cpu_ratio_p95": cpu_p95 / noop_p95,
        "cold_cpu_ms": [cycle * 1000 for cycle in cold_cycles],
        "per_second_per_core": 1 / cpu_median,
        "sign_ms": sign_s * 1000,
        "sign_cpu_ms": sign_cpu_s * 1000,
        "canonicalize_ms": canon_s * 1000,
        "ed25519_ms": ed25519_s * 1000,
        "signing_share": min(1.0, sign_s / per_task),
        "signing_share_of_worker_cpu": min(1.0, sign_cpu_s / cpu_s) if cpu_s else None,
        "repeats": count,
        "repeat_inserts": repeat_inserts,
        "batch": batch,
    }
    cpu_text = f", worker CPU {cpu_s * 1000:.1f} ms, signing CPU {sign_cpu_s * 1000:.2f} ms" if cpu_s else ""
    cpu_text += (
        f"; timed in the worker: {cpu_median * 1000:.2f} ms CPU a credential (p95 {cpu_p95 * 1000:.2f}),"
        f" {cpu_median / noop_median:.1f}× the no-op task's {noop_median * 1000:.2f} ms; the worker's first"
        f" {len(cold_cycles)}, before the run: {', '.join(f'{cycle * 1000:.1f}' for cycle in cold_cycles)} ms"
    )
    log(
        f"  credential issue: {count / wall:.1f}/s ({per_task * 1000:.1f} ms a task{cpu_text}; no-op task "
        f"{noop_s * 1000:.1f} ms); signing {sign_s * 1000:.2f} ms (canonicalisation {canon_s * 1000:.2f}, "
        f"Ed25519 {ed25519_s * 1000:.3f})"
    )
    if batch:
        log(
            f"  credential issue in batches of {batch['batch_size']}: {batch['per_second']:.1f}/s"
            f" ({batch['ms_per_credential']:.2f} ms a credential); signing {batch['signing_share'] * 100:.0f}% of it;"
            f" a repeat inserted {batch['repeat_inserts']}"
        )
    return figures


BATCH_CREDENTIALS = 100  # at most: S has about 90 completions left for it, after the one-award tasks and their warm-up


def _batch_issue_rate(
    sign_s: float, sign_cpu_s: float, worker_cpu: Callable[[], float] | None
) -> dict[str, Any] | None:
    """The bulk path (an admin issuing a badge to a course's completers): the dataset's remaining completed enrolments
    without an award, queued as batch tasks of `AWARD_BATCH_SIZE` to the same worker, then queued again (must insert
    nothing). Signing's share is the time the worker spent signing during the batches (`bench.tasks.time_signing`)
    over their wall time. None when fewer than one batch's worth of completions is left."""
    from badges.models import Award, AwardStatus
    from badges.services import AWARD_BATCH_SIZE
    from badges.tasks import award_issue_batch_task
    from bench.tasks import signing_time_take

    enrolments = _completed_enrolments(BATCH_CREDENTIALS)
    if len(enrolments) < AWARD_BATCH_SIZE:
        return None
    ids = [enrolment.pk for enrolment in enrolments]
    batches = [ids[start : start + AWARD_BATCH_SIZE] for start in range(0, len(ids), AWARD_BATCH_SIZE)]
    signing_time_take.delay().get(timeout=60)  # counts from zero from here
    cpu_before = worker_cpu() if worker_cpu else None
    started = time.perf_counter()
    for batch in batches:
        award_issue_batch_task.delay(batch)
    wall = _after_queued_tasks() - started
    cpu_s = (worker_cpu() - cpu_before) / len(ids) if worker_cpu and cpu_before is not None else None
    signed_s, signatures = signing_time_take.delay().get(timeout=60)
    if signatures < len(ids):
        raise BenchError(f"the worker timed {signatures} signatures for {len(ids)} credentials")
    learners = [enrolment.user_id for enrolment in enrolments]
    issued = Award.objects.filter(learner_id__in=learners, status=AwardStatus.ISSUED).count()
    if issued != len(ids):
        raise BenchError(f"{len(ids) - issued} of {len(ids)} awards of the batches were not issued")
    before = Award.objects.count()
    for batch in batches:
        award_issue_batch_task.delay(batch)
    _after_queued_tasks()
    per_credential = wall / len(ids)
    return {
        "credentials": len(ids),
        "batch_size": AWARD_BATCH_SIZE,
        "tasks": len(batches),
        "per_second": len(ids) / wall,
        "ms_per_credential": per_credential * 1000,
        "worker_cpu_ms_per_credential": cpu_s * 1000 if cpu_s is not None else None,
        # Timed in the worker, during these batches: what signing took of their time.
        "signing_share": min(1.0, signed_s / wall),
        "worker_sign_ms": signed_s / signatures * 1000,
        # A signature timed in the bench's process, against the batches' time (seconds apart: drifts with the machine).
        "signing_share_in_process_timing": min(1.0, sign_s / per_credential),
        "signing_share_of_worker_cpu": min(1.0, sign_cpu_s / cpu_s) if cpu_s else None,
        "repeat_inserts": Award.objects.count() - before,
    }


# --- organizations --------------------------------------------------------------------------------------------


def organization_probes(ctx: Context) -> list[Probe | NotMeasured]:
    names = {f"org_dashboard_{n}": f"organization dashboard, {n:,} staff" for n in (10, 5000)}
    if model("organizations", "Organization") is None:
        reason = "organizations has not landed on main (no Organization model)"
        return [NotMeasured(name, label, reason) for name, label in names.items()]
    return _guarded(names, lambda: _organization_probes(ctx))


def org_sizes() -> list[int]:
    """The staff counts of the dataset's organizations (10 and 5,000 in S and M), smallest first."""
    from organizations.models import Organization

    prefix = ORG_SLUG.format(n="")
    slugs = Organization.objects.filter(slug__startswith=prefix).values_list("slug", flat=True)
    return sorted(int(slug.removeprefix(prefix)) for slug in slugs)


def _org_admin(ctx: Context, n: int) -> Client:
    from lms.models import User

    return ctx.client(User.objects.get(email=f"{ORG_ADMIN.format(n=n)}@bench.test"))


def _organization_probes(ctx: Context) -> list[Probe]:
    return [
        Probe(
            f"org_dashboard_{n}",
            f"organization dashboard, {n:,} staff",
            getter(_org_admin(ctx, n), f"/org/{ORG_SLUG.format(n=n)}/"),
            baseline="render_200",
            # As many calls as its baseline: with 6 a round, its p95 was the second-slowest of 30 calls.
            per_round=12,
            group="organization dashboard",
        )
        for n in org_sizes()
    ]


def export_rate(ctx: Context, log: Callable[[str], None], *, rounds: int = 5) -> dict[str, Any]:
    """The 5,000-staff CSV export: rows/s, peak Python memory and queries, against COPY of the same rows.

    Both are measured in turns, a warm-up turn discarded then `rounds` turns, and their medians compared: a
    single call of each is at the mercy of whatever else the machine is doing. Peak memory is traced in a turn of
    its own, after the timed ones: tracemalloc hooks every allocation and would slow the export it times."""
    from organizations.models import Membership
    from progress.models import Enrolment

    n = max(org_sizes())
    client = _org_admin(ctx, n)
    members = Membership.objects.filter(organization__slug=ORG_SLUG.format(n=n)).values("user_id")
    query = (
        Enrolment.objects.filter(user_id__in=members)
        .select_related("user", "course", "course_progress")
        .values_list(
            "user__email",
            "user__display_name",
            "course__title",
            "status",
            "course_progress__percent",
            "course_progress__grade",
            "completed_at",
            "enrolled_at",
        )
    )
    sql, params = query.query.sql_with_params()
    export_walls: list[float] = []
    copy_walls: list[float] = []
    rows = copied = queries = 0
    peak = 0
    for turn in range(rounds + 2):
        traced = turn == rounds + 1  # the last turn: memory only
        if traced:
            tracemalloc.start()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = expect(client.get(f"/org/{ORG_SLUG.format(n=n)}/staff.csv"), 200)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            wall = time.perf_counter() - started
        if traced:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            break
        rows, queries = max(0, body.count(b"\n") - 1), len(captured.captured_queries)
        copy_started = time.perf_counter()
        copied = rows_copy_out(sql, params)
        copy_wall = time.perf_counter() - copy_started
        if turn:  # the first turn warms caches up (and imports) and is discarded
            export_walls.append(wall)
            copy_walls.append(copy_wall)
    wall, copy_wall = statistics.median(export_walls), statistics.median(copy_walls)
    log(f"  export: {rows} rows in {wall:.3f}s, COPY {copied} rows in {copy_wall:.3f}s (medians of {rounds})")
    return {
        "rows": rows,
        "rows_per_s": rows / wall,
        "copy_rows": copied,
        "copy_rows_per_s": copied / copy_wall,
        "peak_mib": peak / 2**20,
        "queries": queries,
        "rounds": rounds,
    }


def _catalog_probes(ctx: Context) -> list[Probe | NotMeasured]:
    from bench.catalog import catalog_probes

    return catalog_probes(ctx)


def _grading_and_checkout() -> list[Callable[[Context], list[Probe | NotMeasured]]]:
    from bench.grading_checkout import admin_baseline_probes, checkout_probes, grading_probes

    return [admin_baseline_probes, grading_probes, checkout_probes]


FACTORIES: list[Callable[[Context], list[Probe | NotMeasured]]] = [
    quiz_probes,
    badge_probes,
    organization_probes,
    *_grading_and_checkout(),
]
FACTORIES.append(_catalog_probes)  # the catalog and course pages of issue 19 (bench/catalog.py)


def extra_measurements(ctx: Context, log: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, NotMeasured]]:
    """Rates measured once after the rounds; an operation that could not be measured comes back with its reason."""
    extra: dict[str, Any] = {}
    missing: dict[str, NotMeasured] = {}
    measures: list[tuple[str, str, tuple[str, str], Callable[[], dict[str, Any]]]] = [
        (
            "credential_issue",
            "credential issue through the broker, signing included",
            ("badges", "Award"),
            lambda: credential_issue_rate(log),
        ),
        (
            "sign_in",
            "sign-in with production's password hasher",
            ("lms", "User"),
            lambda: signin_rate(log),
        ),
        (
            "report_export",
            "staff progress report export (CSV, 5,000 staff)",
            ("organizations", "Organization"),
            lambda: export_rate(ctx, log),
        ),
        (
            "staff_exports",
            "staff progress exports, CSV and XLSX, 50,000 staff",
            ("organizations", "Organization"),
            lambda: staff_export_rates(ctx, log),
        ),
    ]
    for name, label, needs, measure in measures:
        if model(*needs) is None:
            missing[name] = NotMeasured(name, label, f"{needs[0]} has not landed on main (no {needs[1]} model)")
            continue
        try:
            extra[name] = measure()
        except Exception as error:  # noqa: BLE001 - reported in RESULTS.md, never approximated
            missing[name] = NotMeasured(name, label, f"the bench adapter failed: {type(error).__name__}: {error}"[:300])
    return extra, missing
