"""A real Celery worker process for the worker-killed test: `python -m tests.badges.killable_worker ARGS`.

ARGS are `celery worker` options. With BADGES_TEST_BLOCK_SIGNING=<path>, the first attempt to sign a badge
credential writes <path> (the pid of the process signing) and then blocks there, so the test can SIGKILL it
before the credential is stored; later attempts sign normally. BADGES_TEST_VISIBILITY_TIMEOUT shortens the time
after which Redis hands an unacknowledged message to another worker (one hour in production).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    import django

    django.setup()
    from badges import services
    from lms.celery import app

    marker = os.environ.get("BADGES_TEST_BLOCK_SIGNING")
    if marker:
        sign = services._sign

        def sign_blocks(issuer: Any, document: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            if "OpenBadgeCredential" not in document.get("type", []) or Path(marker).exists():
                return sign(issuer, document, **kwargs)  # a status list, or a later attempt: sign it
            Path(marker).write_text(str(os.getpid()))
            while True:
                time.sleep(60)

        services._sign = sign_blocks
    timeout = float(os.environ.get("BADGES_TEST_VISIBILITY_TIMEOUT", "3600"))
    app.conf.broker_transport_options = {
        "visibility_timeout": timeout,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
