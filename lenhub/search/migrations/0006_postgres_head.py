"""PostgreSQL: a small ``tsvector`` of each document's title and keywords beside the
full one, so a search can tell which of many matches name the question's words in their
title or keywords without unpacking their full vector (``PostgresEngine.first_rank``)."""

from typing import Any

from django.db import migrations

HEAD = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', keywords), 'B')"
)


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS head tsvector")
    schema_editor.execute(f"UPDATE search_searchdocument SET head = {HEAD}")  # noqa: S608


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS head")


class Migration(migrations.Migration):
    dependencies = [("search", "0005_sqlite_narrow")]
    operations = [migrations.RunPython(forwards, backwards)]
