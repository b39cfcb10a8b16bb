"""Results: `bench/results/latest.json` and `bench/RESULTS.md`, with the targets of issue 7 judged plainly."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
JSON_PATH = BENCH / "results" / "latest.json"
MD_PATH = BENCH / "RESULTS.md"

MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"
SIGNING_DOMINATES = "credential issue in batches: signing dominates (over half of a credential's time)"


@dataclass(frozen=True)
class Verdict:
    target: str
    status: str
    detail: str


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _check(
    results: dict[str, Any],
    missing: dict[str, str],
    target: str,
    names: list[str],
    judge: Callable[..., tuple[bool, str]],
) -> Verdict:
    absent = [name for name in names if name not in results]
    if absent:
        reasons = sorted({missing.get(name, "not run") for name in absent})
        return Verdict(target, NOT_MEASURED, "; ".join(reasons))
    ok, detail = judge(*(results[name] for name in names))
    return Verdict(target, MET if ok else MISSED, detail)


def verdicts(results: dict[str, Any], missing: dict[str, str], extra: dict[str, Any]) -> list[Verdict]:
    out: list[Verdict] = []

    def ratio(limit: float) -> Callable[[dict[str, Any]], tuple[bool, str]]:
        def judge(r: dict[str, Any]) -> tuple[bool, str]:
            return r["ratio_median"] <= limit, (
                f"median {r['ratio_median']:.2f}× (p95 {r['ratio_p95']:.2f}×) its baseline; target ≤ {limit}×"
            )

        return judge

    def equal(a: dict[str, Any], b: dict[str, Any]) -> tuple[bool, str]:
        return (
            a["queries"] == b["queries"] and a["queries_min"] == a["queries"] and b["queries_min"] == b["queries"],
            f"{a['queries']} vs {b['queries']} queries; time {b['median_ms'] / a['median_ms']:.2f}× between them",
        )

    def at_most(limit: int) -> Callable[[dict[str, Any]], tuple[bool, str]]:
        return lambda r: (r["queries"] <= limit, f"{r['queries']} queries; target ≤ {limit}")

    out.append(_check(results, missing, "lesson page ≤ 1.5× bare Wagtail page", ["lesson_page"], ratio(1.5)))
    out.append(_check(results, missing, "lesson page ≤ 10 queries", ["lesson_page"], at_most(10)))
    out.append(
        _check(
            results,
            missing,
            "lesson page: equal queries for 20 and 5,000 lessons",
            ["lesson_page_small", "lesson_page_xl"],
            equal,
        )
    )
    out.append(
        _check(
            results,
            missing,
            "course page: equal queries for 20 and 5,000 items",
            ["course_page_small", "course_page_xl"],
            equal,
        )
    )
    out.append(_check(results, missing, "quiz submit and grade ≤ 3× one-row write view", ["quiz_submit_10"], ratio(3)))
    out.append(
        _check(
            results,
            missing,
            "quiz submit: equal queries for 10 and 50 questions",
            ["quiz_submit_10", "quiz_submit_50"],
            equal,
        )
    )
    out.append(
        _check(results, missing, "learner dashboard ≤ 2× 12-row render (30 enrolments)", ["dashboard_30"], ratio(2))
    )
    out.append(
        _check(
            results,
            missing,
            "learner dashboard: equal queries for 1 and 30 enrolments",
            ["dashboard_1", "dashboard_30"],
            equal,
        )
    )
    out.append(_check(results, missing, "verification page ≤ 1.5× 12-row render", ["verification_page"], ratio(1.5)))
    out.append(_check(results, missing, "verification page ≤ 3 queries", ["verification_page"], at_most(3)))
    out.append(
        _check(
            results,
            missing,
            "organization dashboard ≤ 3× 200-row render (5,000 staff)",
            ["org_dashboard_5000"],
            ratio(3),
        )
    )
    out.append(
        _check(
            results,
            missing,
            "organization dashboard: equal queries for 10 and 5,000 staff",
            ["org_dashboard_10", "org_dashboard_5000"],
            equal,
        )
    )
    out.extend(_lesson_path_verdicts(results, missing, equal))
    issue = extra.get("credential_issue")
    if issue is None:
        reason = missing.get("credential_issue", "not run")
        out.append(Verdict("credential issue ≥ 50 credentials/s per worker", NOT_MEASURED, reason))
        out.append(Verdict("credential issue: a repeated task inserts nothing", NOT_MEASURED, reason))
        out.append(Verdict(SIGNING_DOMINATES, NOT_MEASURED, reason))
    else:
        rate, batch = issue["per_second"], issue.get("batch")
        batch_rate = f"; {batch['per_second']:.1f}/s in batches of {batch['batch_size']}" if batch else ""
        out.append(
            Verdict(
                "credential issue ≥ 50 credentials/s per worker",
                MET if rate >= 50 else MISSED,
                f"{rate:.1f}/s with one worker, one award a task (a learner's completion){batch_rate}",
            )
        )
        single = (
            f"one award a task (a learner's completion, where latency comes first): signing"
            f" {issue.get('signing_share', 0) * 100:.0f}% of a task, the rest the broker's delivery and ack, the"
            " award's two commits and the e-mail's publish (bench/findings.md)"
        )
        if batch is None:
            out.append(Verdict(SIGNING_DOMINATES, NOT_MEASURED, "fewer completions left than one batch; " + single))
        else:
            share = batch["signing_share"]
            out.append(
                Verdict(
                    SIGNING_DOMINATES,
                    MET if share > 0.5 else MISSED,
                    f"{batch['credentials']} credentials in tasks of {batch['batch_size']}: signing {share * 100:.0f}%"
                    f" of their time, timed in the worker ({batch['worker_sign_ms']:.2f} ms a signature there)"
                    f"; {single}",
                )
            )
        repeat = issue["repeat_inserts"] + (batch["repeat_inserts"] if batch else 0)
        repeated = f" and {batch['tasks']} batch tasks" if batch else ""
        out.append(
            Verdict(
                "credential issue: a repeated task inserts nothing",
                MET if repeat == 0 else MISSED,
                f"{repeat} rows inserted by repeating {issue['repeats']} one-award tasks{repeated}",
            )
        )
    export = extra.get("report_export")
    if export is None:
        reason = missing.get("report_export", "not run")
        out.append(Verdict("report export ≥ 20% of PostgreSQL COPY", NOT_MEASURED, reason))
        out.append(Verdict("report export: rows per chunk, not per row", NOT_MEASURED, reason))
    else:
        share = export["rows_per_s"] / export["copy_rows_per_s"]
        out.append(
            Verdict(
                "report export ≥ 20% of PostgreSQL COPY",
                MET if share >= 0.2 else MISSED,
                f"{export['rows_per_s']:.0f} rows/s = {share * 100:.0f}% of COPY's "
                f"{export['copy_rows_per_s']:.0f}; peak memory {export['peak_mib']:.1f} MiB",
            )
        )
        out.append(
            Verdict(
                "report export: rows per chunk, not per row",
                MET if export["queries"] <= export["rows"] / 100 else MISSED,
                f"{export['queries']} queries for {export['rows']} rows",
            )
        )
    return out


def _worst_ratio(limit: float) -> Callable[..., tuple[bool, str]]:
    """Issue 19's time targets: met when every probe named is within `limit` of its baseline at p95 and at the
    median; the figures of each are given."""

    def judge(*rs: dict[str, Any]) -> tuple[bool, str]:
        ok = all(r["ratio_p95"] <= limit and r["ratio_median"] <= limit for r in rs)
        figures = "; ".join(f"p95 {r['ratio_p95']:.2f}× (median {r['ratio_median']:.2f}×)" for r in rs)
        return ok, f"{figures}; target ≤ {limit}× at p95 and median"

    return judge


def _most_queries(limit: int) -> Callable[..., tuple[bool, str]]:
    def judge(*rs: dict[str, Any]) -> tuple[bool, str]:
        counts = [r["queries"] for r in rs]
        return max(counts) <= limit, f"{' / '.join(str(c) for c in counts)} queries; target ≤ {limit}"

    return judge


def _lesson_path_verdicts(
    results: dict[str, Any], missing: dict[str, str], equal: Callable[..., tuple[bool, str]]
) -> list[Verdict]:
    """Issue 19's lesson path: the first visit (a new lesson each call) of a 240-, 20- and 5,000-item course, the
    re-visit, marking a lesson complete and quiz submit, judged at p95 as well as the median."""
    first = ["lesson_first_visit", "lesson_first_visit_small", "lesson_first_visit_xl"]
    sizes = "240 / 20 / 5,000 items"
    return [
        _check(results, missing, f"lesson first visit ≤ 1.5× bare page ({sizes})", first, _worst_ratio(1.5)),
        _check(results, missing, f"lesson first visit ≤ 12 queries ({sizes})", first, _most_queries(12)),
        _check(
            results,
            missing,
            "lesson first visit: equal queries for 20 and 5,000 items",
            ["lesson_first_visit_small", "lesson_first_visit_xl"],
            equal,
        ),
        _check(results, missing, "lesson re-visit ≤ 1.2× bare page", ["lesson_page"], _worst_ratio(1.2)),
        _check(results, missing, "lesson re-visit ≤ 8 queries", ["lesson_page"], _most_queries(8)),
        _check(results, missing, "mark a lesson complete ≤ 3× one-row write", ["item_complete"], _worst_ratio(3)),
        _check(
            results,
            missing,
            "quiz submit ≤ 3× one-row write (10 / 50 questions)",
            ["quiz_submit_10", "quiz_submit_50"],
            _worst_ratio(3),
        ),
    ]


def paths(dataset: str) -> tuple[Path, Path]:
    """Where a run writes: S (CI-sized, the default) to RESULTS.md; M to RESULTS-M.md, so one never hides the other."""
    if dataset == "S":
        return JSON_PATH, MD_PATH
    return JSON_PATH.with_name(f"latest-{dataset}.json"), MD_PATH.with_name(f"RESULTS-{dataset}.md")


def write(payload: dict[str, Any]) -> tuple[Path, Path]:
    json_path, md_path = paths(payload["dataset"])
    json_path.parent.mkdir(exist_ok=True)
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    md_path.write_text(markdown(payload))
    return json_path, md_path


def markdown(p: dict[str, Any]) -> str:
    results: dict[str, Any] = p["results"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench{'-m' if p['dataset'] == 'M' else ''}` (`python -m bench.run --dataset {p['dataset']}"
        f"{' --http' if p.get('http') else ''}`) on {p['finished_at']}. Regenerate it; do not edit it by hand.",
        "",
        "| | |",
        "|---|---|",
        f"| git revision | `{p['git']}` |",
        f"| dataset | {p['dataset']}: " + ", ".join(f"{v:,} {k}" for k, v in p["counts"].items()) + " |",
        f"| dataset template | `{p['template']}` (schema {p['schema_hash']}); built this run in {p['build_s']:.0f}s, "
        f"restored in {p['restore_s']:.1f}s |",
        "| versions | " + ", ".join(f"{k} {v}" for k, v in p["versions"].items()) + " |",
        f"| settings | {p['settings']} |",
        f"| method | {p['method']} |",
        f"| machine | {p['machine']} |",
        f"| run time | {p['elapsed_s']:.0f}s |",
        "",
        "## Targets (issue 7)",
        "",
        "| target | status | figures |",
        "|---|---|---|",
    ]
    for v in p["verdicts"]:
        lines.append(f"| {v['target']} | **{v['status']}** | {v['detail']} |")
    met = [v for v in p["verdicts"] if v["status"] == MET]
    missed = [v for v in p["verdicts"] if v["status"] == MISSED]
    pending = [v for v in p["verdicts"] if v["status"] == NOT_MEASURED]
    lines += ["", f"In plain words: {len(met)} targets met, {len(missed)} missed, {len(pending)} not measured yet."]
    if missed:
        lines.append("Missed: " + "; ".join(v["target"] for v in missed) + ".")
    if pending:
        lines.append("Not measured: " + "; ".join(v["target"] for v in pending) + ".")
    lines += [
        "",
        "## Every probe",
        "",
        "Times in ms per call (in-process Django test Client, no network). Ratio = this probe ÷ its baseline, same "
        "run, interleaved. Queries: the most seen on a call (they never varied unless marked); rows: rows returned "
        "or changed per call. CPU: this process's CPU time per call (PostgreSQL's own CPU is not in it).",
        "",
        "| probe | baseline | median | p95 | ratio median | ratio p95 | CPU | queries | rows |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results.values():
        queries = (
            "–"
            if r["queries"] is None
            else (str(r["queries"]) if r["queries"] == r["queries_min"] else f"{r['queries_min']}–{r['queries']}")
        )
        rows = "–" if r["rows"] is None else f"{r['rows']:.0f}"
        lines.append(
            f"| {r['label']} | {r['baseline'] or '(baseline)'} | {_fmt(r['median_ms'])} | {_fmt(r['p95_ms'])} | "
            f"{_fmt(r.get('ratio_median'))} | {_fmt(r.get('ratio_p95'))} | {_fmt(r['cpu_ms'])} | {queries} | {rows} |"
        )
    if p.get("pairs"):
        lines += ["", "## Flatness pairs", "", "| pair | queries | time ratio (large ÷ small) |", "|---|---|---:|"]
        for pair in p["pairs"]:
            lines.append(f"| {pair['label']} | {pair['queries']} | {pair['time_ratio']:.2f} |")
    if p.get("not_measured"):
        lines += ["", "## Not measured", ""]
        for name, entry in p["not_measured"].items():
            lines.append(f"- {entry['label']} (`{name}`): {entry['reason']}")
    if p.get("extra"):
        lines += ["", "## Rates", "", "```json", json.dumps(p["extra"], indent=2, default=str), "```"]
    if p.get("http"):
        lines += [
            "",
            "## HTTP mode (gunicorn on loopback)",
            "",
            p["http"].get("method", ""),
            "",
            "| page | unloaded p95 ms | held throughput req/s | at concurrency | p95 there ms | errors | "
            "ratio to bare page |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, h in p["http"]["pages"].items():
            lines.append(
                f"| {name} | {_fmt(h['unloaded_p95_ms'])} | {_fmt(h['held_rps'], 1)} | {h['held_concurrency']} | "
                f"{_fmt(h['held_p95_ms'])} | {h['held_error_rate'] * 100:.1f}% | {_fmt(h.get('ratio_to_bare'))} |"
            )
    if p.get("findings_md"):
        lines += ["", p["findings_md"].strip()]
    return "\n".join(lines) + "\n"
