"""Domain events (DESIGN §3): modules talk through services and events, not through
each other's tables. ``event_emit`` delivers after the current transaction commits, so
subscribers never see a change that was rolled back.

    event_subscribe("membership_approved", handler)   # in an AppConfig.ready()
    event_emit("membership_approved", user_id=..., network_id=...)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger("lenhub.events")

Handler = Callable[..., None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)

EVENTS = frozenset(
    {
        "membership_approved",
        "membership_ended",
        "application_submitted",
        # knowledge: payload ``result_id`` / ``techwatch_id`` (emitted by lenhub.monitoring's
        # receivers until knowledge has services of its own for these writes)
        "result_published",
        "techwatch_published",
    }
)


def event_subscribe(name: str, handler: Handler) -> None:
    if name not in EVENTS:
        raise ValueError(f"Unknown event {name!r}")
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def event_unsubscribe(name: str, handler: Handler) -> None:
    if handler in _subscribers[name]:
        _subscribers[name].remove(handler)


def _deliver(name: str, payload: dict[str, Any]) -> None:
    for handler in list(_subscribers[name]):
        try:
            handler(**payload)
        except Exception:  # one failing subscriber must not stop the others
            logger.exception("event subscriber %r failed on %s", handler, name)


def event_emit(name: str, **payload: Any) -> None:
    if name not in EVENTS:
        raise ValueError(f"Unknown event {name!r}")
    transaction.on_commit(lambda: _deliver(name, payload))
