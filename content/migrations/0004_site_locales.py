"""Every language of the site has a Wagtail locale, so a course can be translated into it."""

from django.conf import settings
from django.db import migrations


def locales_ensure(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code, _name in settings.LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_video_caption_files"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(locales_ensure, migrations.RunPython.noop)]
