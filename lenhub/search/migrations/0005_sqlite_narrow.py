"""SQLite: a narrow copy of each document's access and facet columns, which a search
joins its matches to (``lenhub.search.engines.SqliteEngine``). Read beside the full
rows, whose text spills onto overflow pages, each match cost twice as much."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE TABLE IF NOT EXISTS search_narrow (id INTEGER PRIMARY KEY, "
        "audience_id INTEGER NOT NULL, kind TEXT NOT NULL, programme TEXT NOT NULL, "
        "status TEXT NOT NULL, trl INTEGER, year INTEGER, countries TEXT NOT NULL, "
        "topics TEXT NOT NULL)"
    )
    schema_editor.execute(
        "INSERT OR REPLACE INTO search_narrow SELECT id, audience_id, kind, programme, "
        "status, trl, year, countries, topics FROM search_searchdocument"
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_narrow")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_searchindexstate")]
    operations = [migrations.RunPython(forwards, backwards)]
