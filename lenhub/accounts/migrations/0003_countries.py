from django.db import migrations

from lenhub.accounts.countries import load_countries


def load(apps, schema_editor):
    load_countries(apps.get_model("accounts", "Country"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
