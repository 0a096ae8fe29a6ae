"""Helpers for filter parameters shared by several endpoints."""

from __future__ import annotations

from datetime import UTC, datetime


def instant(value: datetime) -> datetime:
    """A time filter as UTC, so the database never sees an offset it cannot store
    (PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 allows); a naive time is
    taken as UTC, and one that falls outside the years 1 to 9999 in UTC is clamped."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (
            datetime.min.replace(tzinfo=UTC) if value.year < 2 else datetime.max.replace(tzinfo=UTC)
        )
