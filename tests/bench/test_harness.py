"""The harness itself (issue 19): untimed cold set-up, verdicts at the median and p95, caches cleared at the start,
the worker's CPU per task, and production's password hashers for the sign-in figure."""

from __future__ import annotations

import time

import pytest
from django.conf import global_settings

from bench.measure import Probe, run_rounds, summarise
from bench.report import MET, MISSED, Verdict, markdown, ratio_judge, verdicts
from bench.signin import production_password_hashers
from bench.tasks import cpu_per_task


def test_before_call_runs_before_every_call_and_is_not_timed():
    calls: list[str] = []

    def slow_eviction() -> None:
        calls.append("before")
        time.sleep(0.02)

    probe = Probe(
        "cold",
        "cold probe",
        lambda: calls.append("call"),
        per_round=3,
        count_queries=False,
        before_call=slow_eviction,
        cold=True,
    )
    samples = run_rounds([probe], rounds=2, log=lambda _message: None)
    assert len(samples["cold"].wall) == 6  # the warm-up round is dropped
    assert max(samples["cold"].wall) < 0.015  # the 20 ms eviction is outside the timing
    assert calls == ["before", "call"] * 9  # warm-up and measured rounds, each call preceded by its eviction
    assert summarise([probe], samples)["cold"]["cold"] is True


def test_before_call_also_precedes_the_counted_call(db):
    order: list[str] = []
    probe = Probe("p", "p", lambda: order.append("call"), per_round=1, before_call=lambda: order.append("before"))
    run_rounds([probe], rounds=1, log=lambda _message: None)
    assert order == ["before", "call"] * 3  # warm-up, timed, counted


def result(ratio_median: float, ratio_p95: float, **extra) -> dict:
    return {"ratio_median": ratio_median, "ratio_p95": ratio_p95, "baseline": "render_12", **extra}


def test_a_ratio_target_is_met_only_when_the_median_and_the_p95_both_are():
    assert ratio_judge(result(1.2, 1.4), 1.5)[0] is True
    met, detail, median, p95 = ratio_judge(result(1.2, 1.7), 1.5)
    assert met is False
    assert (median, p95) == ("1.20×", "1.70×")
    assert "1.70× at p95" in detail
    assert ratio_judge(result(1.6, 1.4), 1.5)[0] is False


def test_the_verdict_table_shows_the_median_and_the_p95():
    results = {"verification_page_cold": {**result(1.1, 1.9), "cold": True}}
    (cold,) = [v for v in verdicts(results, {}, {}) if "never seen before" in v.target]
    assert (cold.status, cold.median, cold.p95) == (MISSED, "1.10×", "1.90×")
    assert "cold caches" in cold.detail
    payload = {
        "dataset": "S",
        "finished_at": "now",
        "git": "abc",
        "counts": {},
        "template": "t",
        "schema_hash": "h",
        "build_s": 0,
        "restore_s": 0,
        "versions": {},
        "settings": "s",
        "method": "m",
        "machine": "x",
        "elapsed_s": 1,
        "results": {},
        "verdicts": [Verdict("a target", MET, "figures", "1.10×", "1.30×").__dict__],
    }
    text = markdown(payload)
    assert "| target | status | median | p95 | figures |" in text
    assert "| a target | **met** | 1.10× | 1.30× | figures |" in text


def test_every_cache_is_cleared_at_the_start_of_a_run():
    from django.core.cache import cache

    from bench.run import caches_clear

    cache.set("bench:stale", "from an earlier run")
    assert "default" in caches_clear()
    assert cache.get("bench:stale") is None


def test_the_workers_cpu_per_task_runs_from_a_task_start_to_the_next():
    rows = [["award", 1.0, 1.004], ["award", 1.006, 1.009], ["noop", 1.012, 1.0121], ["award", 1.013, None]]
    cycles, bodies = cpu_per_task(rows, "award")
    assert cycles == pytest.approx([0.006, 0.006])  # the last award has no next task: not counted
    assert bodies == pytest.approx([0.004, 0.003])
    assert cpu_per_task(rows, "noop")[0] == pytest.approx([0.001])
    assert cpu_per_task([], "award") == ([], [])


def test_production_hashes_passwords_with_djangos_default_hashers():
    hashers = production_password_hashers()
    assert hashers == list(global_settings.PASSWORD_HASHERS)
    assert "MD5" not in hashers[0]


def test_a_hasher_list_assigned_in_production_settings_is_the_one_read(tmp_path):
    (tmp_path / "base.py").write_text("DEBUG = False\n")
    (tmp_path / "production.py").write_text('PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]\n')
    assert production_password_hashers(tmp_path) == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    (tmp_path / "production.py").write_text("PASSWORD_HASHERS = [h for h in ()]\n")
    from bench.operations import BenchError

    with pytest.raises(BenchError, match="computes PASSWORD_HASHERS"):
        production_password_hashers(tmp_path)


def test_the_credential_ratio_is_judged_on_the_warm_run_and_reports_the_warm_up_beside_it():
    from bench.report import ISSUE_CPU_RATIO, issue_cpu_verdicts

    issue = {
        "cpu_ms_median": 4.2,
        "cpu_ms_p95": 4.5,
        "cpu_body_ms_median": 3.6,
        "per_second_per_core": 238,
        "per_second": 150.0,
        "ms_per_task": 6.6,
        "noop_ms_per_task": 0.8,
        "cpu_ratio_median": 6.5,
        "cpu_ratio_p95": 6.4,
        "noop_cpu_ms_median": 0.65,
        "noop_cpu_ms_p95": 0.7,
        "cold_cpu_ms": [13.8, 6.6, 5.8],
    }
    (ratio,) = [v for v in issue_cpu_verdicts(issue) if v.target == ISSUE_CPU_RATIO]
    assert ratio.status == MET
    assert "after 3 warm-up credentials, which took 13.8, 6.6, 5.8 ms" in ratio.detail
    (ratio,) = [v for v in issue_cpu_verdicts({**issue, "cpu_ratio_p95": 10.5}) if v.target == ISSUE_CPU_RATIO]
    assert ratio.status == MISSED
