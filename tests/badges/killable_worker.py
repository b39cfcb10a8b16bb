"""A real Celery worker process for the worker-killed test: `python -m tests.badges.killable_worker ARGS`.

ARGS are `celery worker` options (or `beat` and `celery beat` options: beat, for the outbox tests). With BADGES_TEST_BLOCK_SIGNING=<path>, the first attempt to sign a badge
credential writes <path> (the pid of the process signing) and then blocks there, so the test can SIGKILL it
before the credential is stored; later attempts sign normally. BADGES_TEST_VISIBILITY_TIMEOUT shortens the time
after which Redis hands an unacknowledged message to another worker (one hour in production).
With OUTBOX_TEST_EMAIL_DIR=<dir>, e-mails are written there as files (the test counts them) and tasks the worker
queues go to the broker (the test settings would run them eagerly), as in production.
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
    from django.conf import settings

    django.setup()
    email_dir = os.environ.get("OUTBOX_TEST_EMAIL_DIR")
    if email_dir:
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = email_dir
    from badges.services import issuers
    from lms.celery import app

    marker = os.environ.get("BADGES_TEST_BLOCK_SIGNING")
    if marker:
        sign = issuers.issuer_sign

        def sign_blocks(issuer: Any, document: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            if "OpenBadgeCredential" not in document.get("type", []) or Path(marker).exists():
                return sign(issuer, document, **kwargs)  # a status list, or a later attempt: sign it
            Path(marker).write_text(str(os.getpid()))
            while True:
                time.sleep(60)

        issuers.issuer_sign = sign_blocks
    if email_dir:
        app.conf.task_always_eager = False
    timeout = float(os.environ.get("BADGES_TEST_VISIBILITY_TIMEOUT", "3600"))
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": timeout,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    if sys.argv[1:2] == ["beat"]:
        app.start(sys.argv[1:])
    else:
        app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
