"""The deployment files read as docker compose reads them: .env files, docker-compose.yml and its ${...} variables.

There is no Docker engine where the tests run, so the tests take the environment compose would hand the
application containers and run the production settings with it in a subprocess.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_FILE = ROOT / "docker-compose.yml"
# The virtualenv running the tests, as the image has /opt/venv first on its PATH.
PATH = f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}, and $$ for a literal dollar.
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def read_dotenv(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and comments skipped (the values here carry no quotes)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def real_dotenv() -> dict[str, str]:
    """.env.example with every placeholder replaced as its comment says to generate it."""
    values = read_dotenv()
    values.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        POSTGRES_PASSWORD=secrets.token_hex(24),
        MINIO_ROOT_PASSWORD=secrets.token_hex(24),
        BADGES_KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        current = variables.get(name)
        missing = current is None or (current == "" and op is not None and op.startswith(":"))
        if op in {":?", "?"} and missing:
            raise AssertionError(f"compose refuses to start: {arg}")
        if op in {":-", "-"} and missing:
            return arg
        return current or ""

    return _VARIABLE.sub(substitute, value)


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service_environment(service: str, dotenv: dict[str, str]) -> dict[str, str]:
    """What compose hands the service's containers: its env_file (.env), then its environment, interpolated."""
    definition = compose()["services"][service]
    environment = dict(dotenv) if definition.get("env_file") == ".env" else {}
    for name, value in (definition.get("environment") or {}).items():
        environment[name] = interpolate(str(value), dotenv)
    return environment


def run_python(args: list[str], environment: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess:
    """`python ARGS` from the project root with only this environment, PATH and a var dir of the test's own."""
    env = {**environment, "PATH": PATH, "STACKABLE_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def import_production_settings(environment: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess:
    """What every container does first: import lms.settings.production (the start-up check)."""
    return run_python(["-c", "import lms.settings.production"], environment, var_dir)
