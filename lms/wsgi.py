import os

from django.core.wsgi import get_wsgi_application

from lms.process import startup_objects_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

application = get_wsgi_application()
# Each gunicorn worker loads the application itself (no --preload): what it loaded stays until it exits.
startup_objects_freeze()
