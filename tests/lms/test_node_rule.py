"""The rule of tests/conftest.py for tests marked `node`: one that cannot run fails, on a laptop as in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


class Item:
    """What the rule reads of a collected test: its id, its file and its markers."""

    def __init__(self, *markers: str, folder: str = "badges") -> None:
        self.nodeid = f"tests/{folder}/test_example.py::test_example"
        self.path = Path(conftest.__file__).parent / folder / "test_example.py"
        self.markers = set(markers)

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return getattr(pytest.mark, name).mark if name in self.markers else None


def test_a_node_test_without_the_verifiers_packages_fails_outside_ci_and_names_make_test(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(conftest, "IN_CI", False)
    monkeypatch.setattr(conftest, "NODE_VERIFIER", tmp_path)
    with pytest.raises(pytest.fail.Exception, match="`make test` installs them"):
        conftest.pytest_runtest_setup(Item("node"))


def test_a_single_sign_on_test_without_the_identity_providers_packages_fails_and_names_make_test(
    monkeypatch, tmp_path: Path
):
    """Tests under tests/sso need the test identity providers' packages, not the verifier's."""
    monkeypatch.setattr(conftest, "IN_CI", False)
    monkeypatch.setattr(conftest, "SSO_IDP", tmp_path)
    monkeypatch.setattr(conftest.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(pytest.fail.Exception, match="test identity providers' packages"):
        conftest.pytest_runtest_setup(Item("node", folder="sso"))
    (tmp_path / "node_modules" / "oidc-provider").mkdir(parents=True)
    conftest.pytest_runtest_setup(Item("node", folder="sso"))  # with them, it runs


def test_a_node_test_without_node_fails(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", False)
    monkeypatch.setattr(conftest.shutil, "which", lambda _name: None)
    with pytest.raises(pytest.fail.Exception, match=r"needs Node\.js"):
        conftest.pytest_runtest_setup(Item("node"))


def test_a_node_test_runs_when_node_and_the_packages_are_there(monkeypatch, tmp_path: Path):
    (tmp_path / "node_modules" / "@digitalbazaar" / "vc").mkdir(parents=True)
    monkeypatch.setattr(conftest, "NODE_VERIFIER", tmp_path)
    monkeypatch.setattr(conftest.shutil, "which", lambda name: f"/usr/bin/{name}")
    conftest.pytest_runtest_setup(Item("node"))


def test_other_services_still_skip_outside_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", False)
    monkeypatch.setattr(conftest.Path, "exists", lambda _path: False)
    with pytest.raises(pytest.skip.Exception, match="Chromium"):
        conftest.pytest_runtest_setup(Item("browser"))
