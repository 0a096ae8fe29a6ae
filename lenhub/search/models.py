"""The search index: one row per indexed item, with the audience the item has, so the
engine filters by the reader's keys itself (results, totals, facets and snippets only
ever count what the reader may see).

The full-text part lives beside these tables and depends on the database: an FTS5
virtual table ``search_fts`` on SQLite, a ``tsvector`` column with a GIN index on
PostgreSQL (see the migrations and ``lenhub.search.engines``).
"""

from __future__ import annotations

from django.db import models


class AudienceSet(models.Model):
    """A distinct audience (the sorted conjunction of keys) that indexed items carry.
    There are few of them, so the engine decides once per query which ones a reader
    holds, and filters documents by set."""

    keys = models.CharField(max_length=500, unique=True)
    named = models.BooleanField(default=False)  # needs the reader to be a named participant

    def __str__(self) -> str:
        return self.keys


class SearchDocument(models.Model):
    kind = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=600)
    keywords = models.TextField(blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    audience = models.ForeignKey(AudienceSet, on_delete=models.PROTECT, related_name="+")
    tlp = models.CharField(max_length=16)
    # single-valued facets
    programme = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, blank=True)
    trl = models.PositiveSmallIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sort_date = models.DateField(null=True, blank=True)
    # multi-valued facets, "|"-joined, so a search counts them from the rows it reads
    # (``SearchFacetValue`` holds the same values for filtering)
    countries = models.TextField(blank=True)
    topics = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]
        indexes = [models.Index(fields=["audience", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class SearchFacetValue(models.Model):
    """Multi-valued facets (a project's countries and topics)."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="facets")
    facet = models.CharField(max_length=12)
    value = models.CharField(max_length=80)

    class Meta:
        indexes = [
            models.Index(fields=["facet", "value"]),
            models.Index(fields=["document", "facet"]),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"


class SearchParticipant(models.Model):
    """Named participants of documents shared with named participants (TLP:RED)."""

    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="participants"
    )
    user_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "user_id"], name="search_participant")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.user_id}"


class SearchIndexState(models.Model):
    """One row: a token that changes (to a new random value) in the same transaction as
    every write to the index, so a search can tell whether what it remembers from an
    earlier search still describes the index (``lenhub.search.services``). Random
    rather than counted: a rolled-back write's token never comes back."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token
