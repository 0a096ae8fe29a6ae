"""Multi-valued facets beside each document, so a search counts them from the rows it
already reads (filled from the facet values of documents indexed before)."""

from typing import Any

from django.db import migrations, models


def fill(apps: Any, schema_editor: Any) -> None:
    document_model = apps.get_model("search", "SearchDocument")
    value_model = apps.get_model("search", "SearchFacetValue")
    found: dict[int, dict[str, list[str]]] = {}
    for document_id, facet, value in value_model.objects.order_by("pk").values_list(
        "document_id", "facet", "value"
    ):
        found.setdefault(document_id, {}).setdefault(facet, []).append(value)
    changed = []
    for document in document_model.objects.filter(pk__in=list(found)):
        document.countries = "|".join(found[document.pk].get("country", []))
        document.topics = "|".join(found[document.pk].get("topic", []))
        changed.append(document)
    document_model.objects.bulk_update(changed, ["countries", "topics"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [
        migrations.AddField(
            model_name="searchdocument", name="countries", field=models.TextField(blank=True)
        ),
        migrations.AddField(
            model_name="searchdocument", name="topics", field=models.TextField(blank=True)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
