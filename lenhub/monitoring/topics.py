"""Topic follows: a topic is a CORDIS topic code or a few words, matched as whole words
against an item's words (acronym, title, call and topic codes)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s;,:()\[\]/\"'|]+")
MAX_TOPIC = 120


def topic_words(text: str) -> str:
    """Lower case, punctuation that separates words turned into single spaces."""
    return " ".join(part for part in _SEPARATORS.split(text.casefold()) if part)


def topic_normalise(raw: str) -> str:
    """The stored form of a followed topic; refuses an empty or overlong one."""
    topic = topic_words(raw or "")
    if len(topic) < 2:
        raise ValidationError(_("Give a topic of at least two characters."))
    if len(topic) > MAX_TOPIC:
        raise ValidationError(_("Keep a topic under %(max)d characters.") % {"max": MAX_TOPIC})
    return topic


def topic_text(parts: Iterable[str]) -> str:
    """An item's words as stored on an update: padded with spaces so that a topic matches
    whole words only (``" drones "`` is in it, ``" drone "`` is not)."""
    return f" {topic_words(' '.join(parts))} "


def topic_matches(topic: str, text: str) -> bool:
    return f" {topic} " in text
