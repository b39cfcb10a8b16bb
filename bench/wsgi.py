"""WSGI entry point of the HTTP mode: the product with the bench app (see bench.settings), loaded as lms/wsgi.py
loads it."""

import os

from django.core.wsgi import get_wsgi_application

from lms.process import startup_objects_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

application = get_wsgi_application()
startup_objects_freeze()
