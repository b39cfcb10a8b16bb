FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=lms.settings.production STACKABLE_VAR_DIR=/app/var
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml requirements.lock README.md ./
COPY lms lms
COPY content content
COPY assessments assessments
COPY progress progress
COPY badges badges
COPY organizations organizations
COPY commerce commerce
COPY media media
COPY frontend frontend
COPY manage.py ./
RUN pip install -c requirements.lock . \
 && SECRET_KEY=build-only-key-build-only-key-build-only-key-0123456789 ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput \
 && useradd --system --home /app stackable && mkdir -p /app/var && chown -R stackable /app/var
USER stackable
EXPOSE 8000
CMD ["gunicorn", "lms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
