"""The image builds from the Dockerfile alone: its collectstatic step, run here exactly as written.

No Docker engine runs the tests, so the final stage is replayed in a temporary folder standing for WORKDIR:
its COPY lines from the build context (less .dockerignore), its ENV lines, then its RUN line that calls
manage.py, in `sh -c` with that environment plus PATH to this virtualenv (the image's /opt/venv). A setting
that needs a runtime secret or service at import time makes it fail, as it would fail `docker build`.
"""

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

from tests.deploy import PATH, ROOT

DOCKERFILE = ROOT / "Dockerfile"


def stages() -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) of each stage: continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            if keyword.upper() == "FROM":
                found.append([])
            found[-1].append((keyword.upper(), arguments.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    return stages()[-1]


def dockerignored(name: str) -> bool:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [pattern.removeprefix("**/").rstrip("/") for pattern in patterns if pattern and pattern[0] != "#"]
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def copied_sources() -> list[str]:
    sources = []
    for keyword, arguments in final_stage():
        parts = shlex.split(arguments)
        if keyword == "COPY" and not any(part.startswith("--from") for part in parts):
            sources += [part for part in parts[:-1] if not part.startswith("--")]
    return sources


def replay_build(workdir: Path) -> tuple[subprocess.CompletedProcess, str]:
    """Lay the build context into `workdir` and run the stage's manage.py step there; the step is returned too."""
    image_workdir = next(arguments for keyword, arguments in reversed(final_stage()) if keyword == "WORKDIR")

    def in_workdir(value: str) -> str:
        # A path inside the image's WORKDIR (the var dir, so STATIC_ROOT) lands in the temporary one.
        if value == image_workdir or value.startswith(image_workdir + "/"):
            return str(workdir) + value[len(image_workdir) :]
        return value

    environment: dict[str, str] = {}
    manage_steps = []
    for keyword, arguments in final_stage():
        if keyword == "ENV":
            for assignment in shlex.split(arguments):
                name, _, value = assignment.partition("=")
                environment[name] = in_workdir(value)
        elif keyword == "COPY" and "--from" not in arguments:
            *sources, destination = [part for part in shlex.split(arguments) if not part.startswith("--")]
            for source in sources:
                target = (
                    workdir / destination / Path(source).name if destination.endswith("/") else workdir / destination
                )
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source, target, ignore=lambda _dir, names: list(filter(dockerignored, names))
                    )
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / source, target)
        elif keyword == "RUN" and "manage.py" in arguments:
            manage_steps.append(arguments)
    assert len(manage_steps) == 1, f"expected one RUN step calling manage.py, found {manage_steps}"
    environment["PATH"] = PATH
    result = subprocess.run(
        ["sh", "-c", manage_steps[0]], cwd=workdir, env=environment, capture_output=True, text=True, timeout=300
    )
    return result, manage_steps[0]


def test_the_dockerfile_collects_static_files_with_only_the_environment_it_sets(tmp_path):
    result, step = replay_build(tmp_path)
    assert "collectstatic" in step
    assert result.returncode == 0, result.stderr + result.stdout
    manifest = json.loads((tmp_path / "var" / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["frontend/css/site.css"]
    assert hashed != "frontend/css/site.css"
    assert (tmp_path / "var" / "static" / hashed).is_file()


def test_the_dockerfile_copies_every_project_app_into_the_image():
    sources = {source.rstrip("/") for source in copied_sources()}
    project_apps = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert project_apps
    assert project_apps <= sources
    assert "manage.py" in sources


def test_the_image_runs_as_an_account_that_is_not_root():
    users = [arguments for keyword, arguments in final_stage() if keyword == "USER"]
    assert users
    assert users[-1] not in {"root", "0"}


def test_the_build_context_leaves_out_local_state_and_secrets():
    for name in (".git", ".env", ".venv", "var", "node_modules", "__pycache__"):
        assert dockerignored(name), name


def test_the_image_installs_exactly_the_hashed_runtime_lock():
    """Only the runtime lock, every file checked against its hash: no dev tools, nothing resolved at build time."""
    steps = [arguments for stage in stages() for keyword, arguments in stage if keyword in {"COPY", "RUN"}]
    installs = [step for step in steps if "pip install" in step]
    assert len(installs) == 1, installs
    install = shlex.split(installs[0].split("pip install", 1)[1].split("&&", 1)[0])
    assert "--require-hashes" in install
    assert install[install.index("-r") + 1].endswith("/requirements.lock")
    assert not any(part.startswith(("-c", "-e", ".")) or "dev" in part for part in install), install
    lock_copies = [step for step in steps if step.startswith("requirements") and "requirements.lock" in step.split()]
    assert lock_copies, "the runtime lock is copied into the build"
    assert not any("requirements-dev.lock" in step for step in steps)


def test_the_build_context_leaves_out_the_dev_lock():
    assert dockerignored("requirements-dev.lock")
    assert not dockerignored("requirements.lock")


def test_the_image_carries_the_french_catalog_compiled_from_the_project():
    """The .mo is not in git: a stage compiles locale/'s catalog with msgfmt, and the image takes the result."""
    compiling = [
        stage
        for stage in stages()[:-1]
        if ("COPY", "locale /src/locale") in stage
        and any(keyword == "RUN" and "msgfmt --check" in arguments for keyword, arguments in stage)
    ]
    assert len(compiling) == 1
    name = compiling[0][0][1].split(" AS ")[-1]
    assert ("COPY", f"--from={name} /src/locale locale") in final_stage()
