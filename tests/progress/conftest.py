from __future__ import annotations

import pytest

from progress.signals import course_completed


@pytest.fixture
def completions():
    """Every "course completed" signal sent during the test, as the kwargs receivers get."""
    sent: list[dict] = []

    def receiver(sender, **kwargs):
        sent.append({key: kwargs[key] for key in ("enrolment_id", "user_id", "course_id")})

    course_completed.connect(receiver, weak=False, dispatch_uid="tests-progress-completions")
    yield sent
    course_completed.disconnect(dispatch_uid="tests-progress-completions")


@pytest.fixture(scope="session")
def ralph_lrs(tmp_path_factory):
    """A real Ralph LRS on a free loopback port, file-system backend: yields (endpoint, username, password, data dir).

    Ralph's file-system backend writes each target file once (later writes are refused), so `lrs` in the
    tests empties the data directory before each test, and each test's delivery is a single POST.
    """
    import os
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from tests.conftest import ralph_executable

    ralph = ralph_executable()
    if ralph is None:
        pytest.skip("Ralph is not installed")
    home = tmp_path_factory.mktemp("ralph")
    env = {**os.environ, "RALPH_APP_DIR": str(home / "app"), "RALPH_RUNSERVER_BACKEND": "fs"}
    env["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = str(home / "data")
    username, password = "stackable", "lrs-test-password"
    subprocess.run(
        [str(ralph), "auth", "-u", username, "-p", password, "-s", "all", "-M", "mailto:lrs@example.org", "-w"],
        env=env,
        cwd=home,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (home / "ralph.log").open("wb")
    server = subprocess.Popen(
        [str(ralph), "runserver", "-b", "fs", "-h", "127.0.0.1", "-p", str(port)],
        env=env,
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(base + "/__heartbeat__", timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("Ralph did not start: " + (home / "ralph.log").read_text(errors="replace")[-2000:])
            time.sleep(0.5)
    yield f"{base}/xAPI", username, password, home / "data"
    server.terminate()
    server.wait(timeout=30)
    log.close()
