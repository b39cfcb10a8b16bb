from django.db import migrations

# HomePage.route finds a page by its url_path in one query; Wagtail does not index that column.
INDEX = "content_page_url_path_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailcore_page (url_path)",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
