"""The index's change token (remembered searches are only reused under the same one)."""

import secrets
from typing import Any

from django.db import migrations, models


def create(apps: Any, schema_editor: Any) -> None:
    apps.get_model("search", "SearchIndexState").objects.create(pk=1, token=secrets.token_hex(16))


class Migration(migrations.Migration):
    dependencies = [("search", "0003_facet_columns")]

    operations = [
        migrations.CreateModel(
            name="SearchIndexState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(create, migrations.RunPython.noop),
    ]
