"""What an attacker with write access to the database (but not to the key or the
checkpoint file) can do: raw SQL, bypassing lenhub entirely."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

from lenhub.audit import chain
from lenhub.audit.models import GENESIS_HASH, AuditEntry, AuditHead

ENTRIES = connection.ops.quote_name(AuditEntry._meta.db_table)
HEAD = connection.ops.quote_name(AuditHead._meta.db_table)

Hasher = Callable[[bytes], str]


def sql(statement: str, params: Sequence[Any] = ()) -> int:
    """Run one raw statement; return the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def set_column(seq: int, column: str, value: Any) -> None:
    """Overwrite one column of one entry, adapting the value as the backend needs."""
    if column == "data":
        value = connection.ops.adapt_json_value(value, None)
    elif column == "created_at":
        value = connection.ops.adapt_datetimefield_value(value)
    name = connection.ops.quote_name(AuditEntry._meta.get_field(column).name)
    assert sql(f"UPDATE {ENTRIES} SET {name} = %s WHERE seq = %s", [value, seq]) == 1  # noqa: S608


def delete_rows(*seqs: int) -> None:
    marks = ", ".join(["%s"] * len(seqs))
    assert sql(f"DELETE FROM {ENTRIES} WHERE seq IN ({marks})", seqs) == len(seqs)  # noqa: S608


def set_head(seq: int, head_hash: str) -> None:
    assert sql(f"UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = 1", [seq, head_hash]) == 1  # noqa: S608


def hmac_with(key: bytes) -> Hasher:
    return lambda body: hmac.new(key, body, hashlib.sha256).hexdigest()


def plain_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def recompute_chain(hasher: Hasher) -> None:
    """Rewrite every row's prev_hash and hash as lenhub would, but with the attacker's
    hash function, then point the head at the rewritten newest row."""
    prev = GENESIS_HASH
    seq = 0
    for entry in AuditEntry.objects.order_by("seq"):
        body = chain.canonical(
            seq=entry.seq,
            created_at=entry.created_at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            data=entry.data,
            prev_hash=prev,
        )
        new_hash = hasher(body)
        sql(
            f"UPDATE {ENTRIES} SET prev_hash = %s, hash = %s WHERE seq = %s",  # noqa: S608
            [prev, new_hash, entry.seq],
        )
        prev, seq = new_hash, entry.seq
    set_head(seq, prev)
