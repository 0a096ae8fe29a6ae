"""Topic follows: a topic is a CORDIS topic code or a few words, matched as whole words
against an item's words (acronym, title, call and topic codes)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s;,:()\[\]/\"'|]+")
MAX_TOPIC = 120  # as typed
MAX_STORED = 255  # lower case may lengthen a few letters
# What the API accepts: no control characters, and at least two characters that are not
# separators (so the normalised topic is never empty). The same rule as topic_normalise.
_ALLOWED = r"[^\x00-\x1f\x7f-\x9f]"
_WORD = r"[^\s;,:()\[\]/\"'|\x00-\x1f\x7f-\x9f]"
TOPIC_PATTERN = rf"^{_ALLOWED}*{_WORD}{_ALLOWED}*{_WORD}{_ALLOWED}*$"


def topic_words(text: str) -> str:
    """Lower case, punctuation that separates words turned into single spaces."""
    return " ".join(part for part in _SEPARATORS.split(text.lower()) if part)


def topic_normalise(raw: str) -> str:
    """The stored form of a followed topic; refuses an empty or overlong one."""
    raw = raw or ""
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in raw):
        raise ValidationError(_("A topic cannot hold control characters."))
    if len(raw) > MAX_TOPIC:
        raise ValidationError(_("Keep a topic under %(max)d characters.") % {"max": MAX_TOPIC})
    topic = topic_words(raw)
    if len(topic) < 2:
        raise ValidationError(_("Give a topic of at least two characters."))
    return topic[:MAX_STORED]


def topic_text(parts: Iterable[str]) -> str:
    """An item's words as stored on an update: padded with spaces so that a topic matches
    whole words only (``" drones "`` is in it, ``" drone "`` is not)."""
    return f" {topic_words(' '.join(parts))} "


def topic_matches(topic: str, text: str) -> bool:
    return f" {topic} " in text
