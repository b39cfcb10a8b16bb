"""Settings for building the image: `collectstatic` only, with no secret, database, broker or object storage.

The Dockerfile collects static files under these settings so that a build needs nothing of the runtime
environment, while lms.settings.production keeps refusing to start without real secrets. The files are
hashed and compressed by the same whitenoise manifest storage that production serves them with;
tests/lms/test_production_settings.py checks that both settings agree on every static-file setting.
"""

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
