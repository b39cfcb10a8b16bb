"""Canadian sales tax rates by province (GST/HST, plus provincial sales tax where it applies to courses)."""

from decimal import Decimal

from django.db import migrations

RATES = {
    "AB": ("GST", "5"),
    "BC": ("GST + PST", "12"),
    "MB": ("GST + RST", "12"),
    "NB": ("HST", "15"),
    "NL": ("HST", "15"),
    "NS": ("HST", "14"),
    "NT": ("GST", "5"),
    "NU": ("GST", "5"),
    "ON": ("HST", "13"),
    "PE": ("HST", "15"),
    "QC": ("GST + QST", "14.975"),
    "SK": ("GST + PST", "11"),
    "YT": ("GST", "5"),
}


def add_rates(apps, schema_editor):
    TaxRate = apps.get_model("commerce", "TaxRate")
    for province, (name, percent) in RATES.items():
        TaxRate.objects.get_or_create(province=province, defaults={"name": name, "percent": Decimal(percent)})


class Migration(migrations.Migration):
    dependencies = [("commerce", "0002_initial")]

    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
