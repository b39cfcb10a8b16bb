# The production image: gunicorn (web), Celery (worker, beat) and the one-shot migrate of docker-compose.yml.
# Building it needs no secret and no service: static files are collected under lms.settings.build, and
# lms.settings.production checks the runtime secrets when a container starts. tests/lms/test_dockerfile.py
# runs this file's collectstatic command with exactly the environment this file sets.

# Runtime dependencies only, exactly the hashed runtime lock (no dev tools): code changes do not reinstall them,
# and pip refuses any file whose hash the lock does not name.
FROM python:3.11-slim AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /src/
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes -r /src/requirements.lock

# The French catalog, compiled from locale/ by GNU gettext's msgfmt (the .mo is not kept in git; gettext is not
# needed at run time, so it stays in this stage).
FROM python:3.11-slim AS messages
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY locale /src/locale
RUN msgfmt --check -o /src/locale/fr/LC_MESSAGES/django.mo /src/locale/fr/LC_MESSAGES/django.po

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DJANGO_SETTINGS_MODULE=lms.settings.production \
    STACKABLE_VAR_DIR=/app/var
# curl: web's healthcheck. The account the processes run as owns nothing but the var dir.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin stackable
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY manage.py ./
COPY lms lms
COPY content content
COPY assessments assessments
COPY progress progress
COPY badges badges
COPY organizations organizations
COPY commerce commerce
COPY media media
COPY frontend frontend
COPY integrations integrations
COPY --from=messages /src/locale locale
# Hashed and compressed by whitenoise's manifest storage, as production serves them; root-owned, read-only.
RUN DJANGO_SETTINGS_MODULE=lms.settings.build python manage.py collectstatic --noinput
# Bytecode compiled once here, since the code is read-only at run time. var/ holds only what a process writes
# (beat's schedule); static files stay root's. Mount no volume on /app/var: it would hide a newer image's files.
RUN python -m compileall -q /app && chown stackable:stackable /app/var
USER stackable
EXPOSE 8000
CMD ["gunicorn", "lms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
