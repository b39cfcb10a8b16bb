# The app's first migration: empty, so that the tokens' and the webhooks' migrations can both start from it.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations: list[migrations.operations.base.Operation] = []
