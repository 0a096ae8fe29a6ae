"""Field types for request bodies of write operations.

JSON numbers, booleans and strings are taken as they are: pydantic's lax mode would
turn ``"5"`` into 5, ``1`` into true and a number into a date, so a body the schema
refuses could still change something. Ids fit the database's integer columns, and free
text never holds NUL (PostgreSQL cannot store it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, Strict

from lenhub.api.filters import instant

NO_NUL = r"^[^\x00]*$"
SOME_WORDS = r"^[^\x00]*[^\x00\s][^\x00]*$"
MAX_ID = 2**31 - 1


def _number_only(value: Any) -> Any:
    # JSON numbers only: 5 and 5.0 are the same integer in JSON Schema; "5" and true are not.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Give a number.")
    return value


Whole = Annotated[int, BeforeValidator(_number_only)]
# The bounds before the check, so that they stay bounds (minimum, maximum) in the schema.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_number_only)]
Flag = Annotated[bool, Strict()]
# The labels an author may give (``lenhub.access.choices.AUTHOR_LABELS``).
AuthorTlp = Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"]
CountryCode = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]
# One audience condition (``lenhub.access.policy``), its ids within the database's range.
AudienceAtom = Annotated[
    str,
    Field(
        max_length=40,
        pattern=r"^(public|members|lea|participants|(network|group|org):[0-9]{1,9}|country:[A-Z]{2})$",
        description="public, members, lea, participants, network:<id>, group:<id>, "
        "country:<ISO code> or org:<id>.",
    ),
]


def _text_only(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError("Give a date and time as an ISO 8601 string.")
    return value


# A time as UTC: a naive one is taken as UTC, one beyond the calendar is clamped.
Instant = Annotated[datetime, BeforeValidator(_text_only), AfterValidator(instant)]
