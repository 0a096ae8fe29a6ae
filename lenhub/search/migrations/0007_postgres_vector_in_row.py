"""PostgreSQL: keep each document's ``tsvector`` in its row (storage ``main``) and the
text out of line instead, and drop the ``head`` vector of ``0006``.

A vector of a few hundred words is about 1.3 kB, and a row holding its text and vector
passed PostgreSQL's 2 kB threshold, so the vector went to the TOAST table: checking a
phrase, ``ts_rank`` and BM25 each fetched it from there, for every match. In the row,
ranking every match costs little more than matching it, so a coarse first rank (and the
``head`` vector that gave it) is no longer needed. Rows already written keep their
layout until they are rewritten (``VACUUM FULL search_searchdocument``, README)."""

from typing import Any

from django.db import migrations

HEAD = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', keywords), 'B')"
)


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS head")
    schema_editor.execute("ALTER TABLE search_searchdocument ALTER COLUMN vector SET STORAGE MAIN")


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE search_searchdocument ALTER COLUMN vector SET STORAGE EXTENDED"
    )
    schema_editor.execute("ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS head tsvector")
    schema_editor.execute(f"UPDATE search_searchdocument SET head = {HEAD}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("search", "0006_postgres_head")]
    operations = [migrations.RunPython(forwards, backwards)]
