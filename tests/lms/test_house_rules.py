"""House rules a test can check: no product module over 600 lines (issue #18).

Function complexity (at most 20) is enforced by ruff's C901 in the lint step (pyproject.toml).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.deploy import ROOT

MAX_LINES = 600


def product_modules() -> list[Path]:
    """Every .py file of the app packages and bench/ (the folders mypy checks), migrations excluded."""
    folders = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]
    return sorted(
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_the_product_modules_are_found():
    modules = {path.relative_to(ROOT).as_posix() for path in product_modules()}
    for app in ("lms", "content", "assessments", "progress", "badges", "organizations", "commerce", "media"):
        assert f"{app}/models.py" in modules or f"{app}/apps.py" in modules, app
    assert {"frontend/apps.py", "bench/run.py", "lms/settings/base.py"} <= modules
    assert not any("/migrations/" in module for module in modules)


def test_no_product_module_is_over_600_lines():
    offenders = {}
    for path in product_modules():
        with path.open(encoding="utf-8") as module:
            lines = sum(1 for _line in module)
        if lines > MAX_LINES:
            offenders[path.relative_to(ROOT).as_posix()] = lines
    assert not offenders, f"modules over {MAX_LINES} lines (split them by use case): " + ", ".join(
        f"{module} ({lines})" for module, lines in sorted(offenders.items(), key=lambda item: -item[1])
    )
