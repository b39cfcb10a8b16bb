from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Baseline views, pages and tasks; installed only by bench.settings, never in the product."""

    name = "bench"
    label = "bench"
    default_auto_field = "django.db.models.BigAutoField"
