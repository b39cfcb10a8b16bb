"""The dependency locks tell the truth: every package pinned with its hashes, runtime apart from development,
both in step with pyproject.toml, and nothing that only this machine knows (a local package index)."""

from __future__ import annotations

import re
import tomllib

from tests.deploy import ROOT

# The dev extras that nothing at run time needs (the others, such as requests, are runtime dependencies too).
DEV_TOOLS = (
    "pytest",
    "pytest-django",
    "playwright",
    "hypothesis",
    "moto",
    "ruff",
    "mypy",
    "django-stubs",
    "mutmut",
    "uv",
)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)(?: ; (.+?))?(?: \\)?$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(name: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(package, marker) -> (version, hashes) of a lock written by `uv pip compile --generate-hashes`."""
    pins: dict[tuple[str, str], tuple[str, list[str]]] = {}
    current: tuple[str, str] | None = None
    for line in (ROOT / name).read_text().splitlines():
        if match := PIN.match(line):
            current = (canonical(match[1]), match[3] or "")
            pins[current] = (match[2], [])
        elif line.strip().startswith("--hash=sha256:") and current is not None:
            pins[current][1].append(line.strip().removeprefix("--hash=sha256:").rstrip(" \\"))
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"{name}: not a pin, a hash or a comment: {line!r}")
    return pins


def declared(group: str | None) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {canonical(re.sub(r"\[.*\]", "", line.split("==")[0])): line.split("==")[1] for line in lines}


def versions(pins: dict[tuple[str, str], tuple[str, list[str]]]) -> dict[str, str]:
    return {name: version for (name, _marker), (version, _hashes) in pins.items()}


def test_every_pin_of_both_locks_carries_sha256_hashes():
    for name in ("requirements.lock", "requirements-dev.lock"):
        pins = requirements(name)
        assert len(pins) > 50, name
        for (package, _marker), (_version, hashes) in pins.items():
            assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in hashes), (name, package)


def test_the_runtime_lock_holds_what_pyproject_declares_and_no_development_tool():
    runtime = versions(requirements("requirements.lock"))
    for package, version in declared(None).items():
        assert runtime.get(package) == version, package
    for package in DEV_TOOLS:
        assert package in declared("dev"), package
        assert package not in runtime, f"{package} is a development tool"


def test_the_dev_lock_is_the_runtime_lock_plus_the_dev_extras_at_the_same_versions():
    runtime, dev = requirements("requirements.lock"), requirements("requirements-dev.lock")
    for key, (version, _hashes) in runtime.items():
        assert dev.get(key, ("absent",))[0] == version, key
    dev_versions = versions(dev)
    for package, version in declared("dev").items():
        assert dev_versions.get(package) == version, package


def test_the_locks_and_the_makefile_name_no_package_index():
    for name in ("requirements.lock", "requirements-dev.lock", "Makefile", "Dockerfile"):
        text = (ROOT / name).read_text()
        assert "--index-url" not in text and "--extra-index-url" not in text and "file://" not in text, name
        assert "--find-links" not in text, name


def test_make_installs_from_the_locks_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "pip install --quiet --require-hashes -r requirements-dev.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert re.search(r"^lock: ", makefile, re.M)
