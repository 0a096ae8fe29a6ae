"""Keeping the index in step with the items (DESIGN §2: the index holds each item's
audience, so nothing is found by someone who may not read it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from lenhub.access.models import TLP, Restricted
from lenhub.access.policy import PARTICIPANTS, effective_tlp, item_audience
from lenhub.search.engines import engine
from lenhub.search.models import AudienceSet, SearchDocument, SearchFacetValue, SearchParticipant
from lenhub.search.registry import KINDS, Kind, kind_for_model


def audience_set(keys: Iterable[str]) -> AudienceSet:
    canonical = " ".join(sorted(keys))
    found, _ = AudienceSet.objects.get_or_create(
        keys=canonical, defaults={"named": PARTICIPANTS in canonical.split()}
    )
    return found


def _document_values(kind: Kind, item: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    entry = kind.build(item)
    values = {
        "title": entry.title[:600],
        "keywords": entry.keywords,
        "body": entry.body,
        "url": entry.url[:300],
        "source_id": entry.source_id[:40],
        "programme": entry.programme[:60],
        "status": entry.status[:20],
        "trl": entry.trl,
        "year": entry.year,
        "sort_date": entry.sort_date,
    }
    countries = [c.replace("|", " ") for c in dict.fromkeys(entry.countries) if c]
    topics = [t[:80].replace("|", " ") for t in dict.fromkeys(entry.topics) if t]
    values["countries"] = "|".join(countries)
    values["topics"] = "|".join(dict.fromkeys(topics))
    facets = [("country", c) for c in countries]
    facets += [("topic", t) for t in dict.fromkeys(topics)]
    return values, facets


@transaction.atomic
def index_items(kind: Kind, items: Iterable[Any]) -> int:
    """(Re)index ``items`` of ``kind``; items nobody may read (no audience) are removed."""
    written: list[int] = []
    removed: list[int] = []
    for item in items:
        keys = item_audience(item) if isinstance(item, Restricted) else frozenset({"public"})
        existing = SearchDocument.objects.filter(kind=kind.name, object_id=item.pk).first()
        if not keys:
            if existing is not None:
                removed.append(existing.pk)
                existing.delete()
            continue
        values, facets = _document_values(kind, item)
        values["audience"] = audience_set(keys)
        values["tlp"] = effective_tlp(item) if isinstance(item, Restricted) else TLP.CLEAR
        document, _ = SearchDocument.objects.update_or_create(
            kind=kind.name, object_id=item.pk, defaults=values
        )
        SearchFacetValue.objects.filter(document=document).delete()
        SearchFacetValue.objects.bulk_create(
            SearchFacetValue(document=document, facet=f, value=v) for f, v in facets
        )
        SearchParticipant.objects.filter(document=document).delete()
        if PARTICIPANTS in keys:
            SearchParticipant.objects.bulk_create(
                SearchParticipant(document=document, user_id=pk)
                for pk in item.participants.values_list("pk", flat=True)
            )
        written.append(document.pk)
    engine().delete(removed)
    engine().write(written)
    return len(written)


@transaction.atomic  # the index's change token commits with the deletion
def unindex(kind: str, object_ids: Iterable[int]) -> None:
    documents = SearchDocument.objects.filter(kind=kind, object_id__in=list(object_ids))
    ids = list(documents.values_list("pk", flat=True))
    # the rows first, then the change token, as ``index_items`` locks them (two
    # transactions taking them in opposite orders could wait for each other)
    documents.delete()
    engine().delete(ids)


def reindex(kinds: Iterable[str] | None = None, *, batch: int = 500) -> dict[str, int]:
    """Rebuild the index for ``kinds`` (all registered kinds by default)."""
    counts = {}
    for name in kinds or list(KINDS):
        kind = KINDS[name]
        unindex(name, SearchDocument.objects.filter(kind=name).values_list("object_id", flat=True))
        total = 0
        chunk: list[Any] = []
        for item in kind.queryset().iterator(chunk_size=batch):
            chunk.append(item)
            if len(chunk) >= batch:
                total += index_items(kind, chunk)
                chunk = []
        total += index_items(kind, chunk)
        counts[name] = total
    return counts


# --- staying in step ------------------------------------------------------------------------

_PENDING = "_lenhub_search_pending"


class _Batch:
    """Items to reindex when the current transaction commits. A batch whose commit
    hook was discarded (the transaction rolled back) is never reused."""

    def __init__(self) -> None:
        self.items: set[tuple[str, int]] = set()

    def __call__(self) -> None:
        by_kind: dict[str, list[int]] = {}
        for name, pk in self.items:
            by_kind.setdefault(name, []).append(pk)
        self.items = set()
        for name, pks in by_kind.items():
            found = KINDS[name].queryset().filter(pk__in=pks)
            index_items(KINDS[name], found)
            missing = set(pks) - set(found.values_list("pk", flat=True))
            if missing:
                unindex(name, missing)


def _schedule(instance: Model) -> None:
    kind = kind_for_model(type(instance))
    if kind is None or instance.pk is None:
        return
    connection = transaction.get_connection()
    batch: _Batch | None = getattr(connection, _PENDING, None)
    waiting = connection.in_atomic_block and any(
        hook[1] is batch for hook in connection.run_on_commit
    )
    if batch is None or not waiting:
        batch = _Batch()
        setattr(connection, _PENDING, batch)
        batch.items.add((kind.name, instance.pk))
        transaction.on_commit(batch)  # runs at once outside a transaction
    else:
        batch.items.add((kind.name, instance.pk))


def _saved(sender: Any, instance: Model, **kwargs: Any) -> None:
    _schedule(instance)


def _deleted(sender: Any, instance: Model, **kwargs: Any) -> None:
    kind = kind_for_model(type(instance))
    if kind is not None and instance.pk is not None:
        name, pk = kind.name, instance.pk
        transaction.on_commit(lambda: unindex(name, [pk]))


def _audience_changed(sender: Any, instance: Model, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        _schedule(instance)


def connect(kind: Kind) -> None:
    """Keep ``kind``'s documents in step with saves, deletions and audience changes."""
    uid = f"lenhub.search.{kind.name}"
    post_save.connect(_saved, sender=kind.model, dispatch_uid=uid + ".save")
    post_delete.connect(_deleted, sender=kind.model, dispatch_uid=uid + ".delete")
    if issubclass(kind.model, Restricted):
        for field in ("audience_keys", "participants"):
            through = kind.model._meta.get_field(field).remote_field.through  # type: ignore[union-attr]
            m2m_changed.connect(_audience_changed, sender=through, dispatch_uid=f"{uid}.{field}")
