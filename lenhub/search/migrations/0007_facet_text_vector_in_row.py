"""SQLite: each document's facet values in one text beside its access columns; PostgreSQL:
each document's ``tsvector`` kept in its row.

- SQLite: ``search_narrow.facets`` (``lenhub.search.engines.FACET_TEXT``). A search
  reads it for every match, where joining seven columns for each took a sixth of the
  match's time. (On PostgreSQL, joining them cost no measurable time.)
- PostgreSQL: a vector of a few hundred words is about 1.3 kB, and a row holding its
  text and vector passed PostgreSQL's 2 kB threshold, so the vector went to the TOAST
  table: checking a phrase, ``ts_rank`` and BM25 each fetched it from there, for every
  match. With storage ``main`` the text goes out of line first; ranking every match then
  costs little more than matching it, so the coarse first rank of ``0006`` and its
  ``head`` vector go. Rows written before keep their layout until rewritten
  (``VACUUM FULL search_searchdocument``: README)."""

from typing import Any

from django.db import migrations

FACET_TEXT = " || '\x1f' || ".join(
    [
        "d.kind",
        "d.programme",
        "d.status",
        "coalesce(CAST(d.trl AS TEXT), '')",
        "coalesce(CAST(d.year AS TEXT), '')",
        "d.countries",
        "d.topics",
    ]
)
HEAD = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', keywords), 'B')"
)


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "ALTER TABLE search_narrow ADD COLUMN facets TEXT NOT NULL DEFAULT ''"
        )
        schema_editor.execute(f"UPDATE search_narrow AS d SET facets = {FACET_TEXT}")  # noqa: S608
    elif vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS head")
        schema_editor.execute(
            "ALTER TABLE search_searchdocument ALTER COLUMN vector SET STORAGE MAIN"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("ALTER TABLE search_narrow DROP COLUMN facets")
    elif vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_searchdocument ALTER COLUMN vector SET STORAGE EXTENDED, "
            "ADD COLUMN IF NOT EXISTS head tsvector"
        )
        schema_editor.execute(f"UPDATE search_searchdocument SET head = {HEAD}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("search", "0006_postgres_head")]
    operations = [migrations.RunPython(forwards, backwards)]
