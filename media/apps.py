from django.apps import AppConfig


class MediaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "media"
    # "media" alone collides with nothing in Django, but a label spelled out avoids surprises in migrations.
    label = "stackable_media"
