"""Many writers at once: the chain must stay one unbroken line, never fork."""

from __future__ import annotations

import threading
from itertools import pairwise
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import Settings

from lenhub.audit import chain
from lenhub.audit.models import AuditEntry, AuditHead
from lenhub.audit.services import audit_log, audit_verify

THREADS = 8
PER_THREAD = 25


def test_concurrent_first_use_of_the_key_file_gives_everyone_the_same_key(
    settings: Settings, tmp_path: Path
) -> None:
    """The first audit writes of a fresh installation may race to create the key file;
    no one may read it half-written (an empty key would sign entries nobody can verify)."""
    for attempt in range(20):
        settings.AUDIT_KEY_FILE = tmp_path / f"round{attempt}" / "audit.key"
        start = threading.Barrier(THREADS)
        keys: list[bytes] = []

        def read_key(barrier: threading.Barrier = start, into: list[bytes] = keys) -> None:
            barrier.wait(timeout=30)
            into.append(chain.load_key())

        threads = [threading.Thread(target=read_key) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(keys) == THREADS
        assert {len(key) for key in keys} == {32}, f"round {attempt}: a reader got a short key"
        assert len(set(keys)) == 1, f"round {attempt}: readers got different keys"
        assert keys[0] == bytes.fromhex(Path(settings.AUDIT_KEY_FILE).read_text())
        assert sorted(p.name for p in Path(settings.AUDIT_KEY_FILE).parent.iterdir()) == [
            "audit.key"
        ]


def _write_concurrently() -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(timeout=30)
            for step in range(PER_THREAD):
                audit_log(
                    action="test.concurrent",
                    target=f"thread:{number}",
                    data={"thread": number, "step": step},
                )
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("head_row", ["present", "missing"])
def test_concurrent_writers_extend_one_unforked_chain(head_row: str) -> None:
    """`missing`: the head row is created by whichever writer comes first (as after a
    flush); the others must queue behind it rather than fork or fail."""
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    if head_row == "present":
        AuditHead.objects.create(pk=1)

    errors = _write_concurrently()
    assert errors == []

    total = THREADS * PER_THREAD
    rows = list(AuditEntry.objects.order_by("seq"))
    assert len(rows) == total
    assert [row.seq for row in rows] == list(range(1, total + 1))
    assert rows[0].prev_hash == "0" * 64
    for before, after in pairwise(rows):
        assert after.prev_hash == before.hash, f"fork at #{after.seq}"
    for number in range(THREADS):
        steps = [row.data["step"] for row in rows if row.data["thread"] == number]
        assert steps == list(range(PER_THREAD)), f"thread {number} lost or reordered writes"
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (total, rows[-1].hash)

    result = audit_verify()
    assert result.ok, result
    assert (result.entries, result.checkpoints) == (total, total)

    checkpoints = chain.checkpoints_read()
    assert len(checkpoints) == total
    assert all(cp.valid for cp in checkpoints)
    assert sorted((cp.seq, cp.hash) for cp in checkpoints) == [(row.seq, row.hash) for row in rows]
