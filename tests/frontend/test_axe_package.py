"""The accessibility audit's axe-core is pinned, installed by `make test`, and its absence fails the audit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser import a11y

ROOT = Path(__file__).resolve().parents[2]


def test_axe_core_is_pinned_to_one_version_in_package_json_and_the_lock():
    package = json.loads((a11y.AXE_FOLDER / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((a11y.AXE_FOLDER / "package-lock.json").read_text(encoding="utf-8"))
    pinned = package["dependencies"]["axe-core"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"axe-core {pinned!r} is a range, not a pin"
    locked = lock["packages"]["node_modules/axe-core"]
    assert locked["version"] == pinned and locked["integrity"].startswith("sha512-")


def test_make_test_installs_axe_core():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_target = re.search(r"(?m)^test:(.*)$", makefile)
    assert test_target is not None and "axe" in test_target.group(1).split()
    assert "npm ci --prefix $(AXE)" in makefile


def test_the_audit_fails_rather_than_skips_without_axe_core(monkeypatch, tmp_path):
    monkeypatch.setattr(a11y, "AXE_SCRIPT", tmp_path / "axe.min.js")
    with pytest.raises(pytest.fail.Exception, match="make axe"):
        a11y.axe_source.__wrapped__()
