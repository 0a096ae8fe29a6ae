from django.db import migrations

from lenhub.accounts.countries import load_countries


def load(apps, schema_editor):
    # Idempotent: adds countries new to the list (Australia, an AIRPOL partner).
    load_countries(apps.get_model("accounts", "Country"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_access_tokens")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
