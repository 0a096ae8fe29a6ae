"""Where monitoring hears about knowledge changes.

Knowledge has no services yet for publishing a result or a technology watch entry, so
these receivers turn its model signals into the domain events ``result_published`` and
``techwatch_published`` (delivered on commit). Once knowledge emits them from its own
services, the signal half of this file goes and the subscriptions stay.

A result counts as published once it has a publication date that has come. Its
audience is usually set just after it is saved (``restricted_set_audience``), so a
change of audience emits the event again; recording and notifying are idempotent, and
a follower is notified once, when they may first see it.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save
from django.utils import timezone

from lenhub.core.events import event_emit, event_subscribe
from lenhub.knowledge.models import Result, TechWatch


def _is_published(result: Result) -> bool:
    return result.published_on is not None and result.published_on <= timezone.localdate()


def result_saved(sender: Any, instance: Result, raw: bool = False, **kwargs: Any) -> None:
    if not raw and _is_published(instance):
        event_emit("result_published", result_id=instance.pk)


def result_audience_changed(
    sender: Any, instance: Any, action: str, reverse: bool = False, **kwargs: Any
) -> None:
    published = isinstance(instance, Result) and _is_published(instance)
    if action == "post_add" and not reverse and published:
        event_emit("result_published", result_id=instance.pk)


def techwatch_changed(
    sender: Any, instance: Any, action: str, reverse: bool = False, **kwargs: Any
) -> None:
    if action == "post_add" and not reverse and isinstance(instance, TechWatch):
        event_emit("techwatch_published", techwatch_id=instance.pk)


def on_result_published(*, result_id: int, **payload: Any) -> None:
    from lenhub.monitoring.services import result_published_record

    result_published_record(result_id=result_id)


def on_techwatch_published(*, techwatch_id: int, **payload: Any) -> None:
    from lenhub.monitoring.services import techwatch_published_record

    techwatch_published_record(techwatch_id=techwatch_id)


def connect() -> None:
    post_save.connect(result_saved, sender=Result, dispatch_uid="monitoring.result_saved")
    m2m_changed.connect(
        result_audience_changed,
        sender=Result.audience_keys.through,
        dispatch_uid="monitoring.result_audience",
    )
    for through, uid in (
        (TechWatch.relevant_groups.through, "monitoring.techwatch_groups"),
        (TechWatch.audience_keys.through, "monitoring.techwatch_audience"),
    ):
        m2m_changed.connect(techwatch_changed, sender=through, dispatch_uid=uid)
    event_subscribe("result_published", on_result_published)
    event_subscribe("techwatch_published", on_techwatch_published)
