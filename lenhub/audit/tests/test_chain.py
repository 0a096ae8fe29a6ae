"""The audit chain detects tampering by someone who can write to the database but holds
neither the key nor the checkpoint file."""

from __future__ import annotations

import secrets
from datetime import timedelta
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory
from pytest_django import DjangoCaptureOnCommitCallbacks

from lenhub.audit import chain
from lenhub.audit.models import AuditEntry, AuditHead
from lenhub.audit.services import audit_log, audit_verify
from lenhub.audit.tests import tamper
from lenhub.audit.tests.conftest import WriteEntries

pytestmark = pytest.mark.django_db


def verify_command() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def assert_broken_at(seq: int, reason_part: str = "") -> None:
    result = audit_verify()
    assert not result.ok
    assert result.bad_seq == seq, result
    assert reason_part in result.reason, result
    with pytest.raises(CommandError, match=rf"entry #{seq}\b"):
        verify_command()


# --- an untouched chain -------------------------------------------------------------


def test_empty_chain_is_intact() -> None:
    result = audit_verify()
    assert (result.ok, result.entries, result.checkpoints) == (True, 0, 0)


def test_intact_chain_verifies_every_entry_and_checkpoint(write_entries: WriteEntries) -> None:
    written = write_entries(6)
    assert [entry.seq for entry in written] == [1, 2, 3, 4, 5, 6]
    result = audit_verify()
    assert result.ok, result
    assert (result.entries, result.checkpoints, result.bad_seq) == (6, 6, None)


def test_entries_link_to_their_predecessor_and_the_head_tracks_the_newest(
    write_entries: WriteEntries,
) -> None:
    write_entries(4)
    rows = list(AuditEntry.objects.order_by("seq"))
    assert rows[0].prev_hash == "0" * 64
    for before, after in pairwise(rows):
        assert after.prev_hash == before.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (4, rows[-1].hash)


def test_verify_command_reports_an_intact_chain(write_entries: WriteEntries) -> None:
    write_entries(3)
    output = verify_command()
    assert "intact" in output
    assert "3 entries" in output
    assert "3 checkpoints" in output


def test_entry_logged_with_a_request_records_the_client_address() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    entry = audit_log(action="test.request", data={"x": 1}, request=request)
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.data == {"x": 1, "ip": "192.0.2.7"}
    assert audit_verify().ok


# --- (a) editing a row ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.harmless"),
        ("actor", "someone-else"),
        ("target", "item:999"),
        ("data", {"n": 2, "note": "ünïcode ✓", "nested": {"b": [1, 3]}}),
        ("created_at", None),
    ],
    ids=["action", "actor", "target", "data", "created_at"],
)
def test_sql_update_of_a_middle_row_is_detected_at_that_row(
    write_entries: WriteEntries, column: str, value: Any
) -> None:
    written = write_entries(5)
    if column == "created_at":
        value = written[2].created_at - timedelta(days=1)
    tamper.set_column(3, column, value)
    assert_broken_at(3, "content does not match its hash")


def test_sql_update_of_the_first_and_newest_rows_is_detected(
    write_entries: WriteEntries,
) -> None:
    write_entries(4)
    tamper.set_column(4, "action", "test.harmless")
    assert_broken_at(4)
    tamper.set_column(1, "data", {})
    assert_broken_at(1)


def test_editing_a_row_and_recomputing_its_hash_without_the_key_is_detected(
    write_entries: WriteEntries,
) -> None:
    """The attacker re-hashes the edited row with a key of their own and re-links the
    next row to it: the edited row is named, not the re-linked one."""
    write_entries(5)
    tamper.set_column(3, "action", "test.harmless")
    entry = AuditEntry.objects.get(seq=3)
    forged = chain.entry_hash(
        secrets.token_bytes(32),
        seq=entry.seq,
        created_at=entry.created_at,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        data=entry.data,
        prev_hash=entry.prev_hash,
    )
    tamper.sql(f"UPDATE {tamper.ENTRIES} SET hash = %s WHERE seq = 3", [forged])  # noqa: S608
    tamper.sql(f"UPDATE {tamper.ENTRIES} SET prev_hash = %s WHERE seq = 4", [forged])  # noqa: S608
    assert_broken_at(3, "content does not match its hash")


def test_splicing_in_a_genuine_entry_from_an_abandoned_branch_is_detected(
    write_entries: WriteEntries,
) -> None:
    """Entry #3 is rolled back (row deleted, head rewound) and the chain continues with a
    new #3 and #4. Putting the old, genuinely signed #3 back passes its own hash check;
    the checkpoint names it, and without checkpoints the broken link to #4 still shows."""
    first = write_entries(3)
    abandoned = AuditEntry.objects.get(seq=3)
    tamper.delete_rows(3)
    tamper.set_head(2, first[1].hash)
    write_entries(2)
    assert audit_verify().ok
    tamper.delete_rows(3)
    abandoned.save(force_insert=True)  # a plain INSERT of the old row's values
    assert_broken_at(3, "differs from the checkpoint")
    chain.checkpoint_path().unlink()
    assert_broken_at(4, "does not follow the previous entry")


# --- (b) deleting rows ------------------------------------------------------------------


def test_deleting_the_newest_rows_is_detected_at_the_first_missing_one(
    write_entries: WriteEntries,
) -> None:
    write_entries(6)
    tamper.delete_rows(5, 6)
    assert_broken_at(5, "missing")


def test_deleting_the_newest_rows_is_detected_by_the_head_without_checkpoints(
    write_entries: WriteEntries,
) -> None:
    write_entries(6)
    chain.checkpoint_path().unlink()
    tamper.delete_rows(5, 6)
    assert_broken_at(5, "head record")


def test_deleting_the_newest_rows_and_rewinding_the_head_is_caught_by_the_checkpoints(
    write_entries: WriteEntries,
) -> None:
    written = write_entries(6)
    tamper.delete_rows(5, 6)
    tamper.set_head(4, written[3].hash)
    assert_broken_at(5, "checkpoint records entries up to #6")


def test_deleting_every_row_and_resetting_the_head_is_caught_by_the_checkpoints(
    write_entries: WriteEntries,
) -> None:
    write_entries(3)
    tamper.delete_rows(1, 2, 3)
    tamper.set_head(0, "0" * 64)
    assert_broken_at(1, "missing")


def test_deleting_a_middle_row_is_detected_at_that_row(write_entries: WriteEntries) -> None:
    write_entries(6)
    tamper.delete_rows(3)
    assert_broken_at(3, "missing")


def test_deleting_the_first_row_is_detected_at_entry_one(write_entries: WriteEntries) -> None:
    write_entries(3)
    tamper.delete_rows(1)
    assert_broken_at(1, "missing")


def test_renumbering_rows_to_close_a_gap_is_detected(write_entries: WriteEntries) -> None:
    """Deleting #3 and shifting #4..#6 down by one leaves no gap in the numbering."""
    written = write_entries(6)
    tamper.delete_rows(3)
    for seq in (4, 5, 6):
        tamper.sql(f"UPDATE {tamper.ENTRIES} SET seq = %s WHERE seq = %s", [seq - 1, seq])  # noqa: S608
    tamper.set_head(5, written[5].hash)
    assert_broken_at(3)


# --- (c) replacing the whole chain ------------------------------------------------------


@pytest.mark.parametrize(
    "hasher",
    [tamper.hmac_with(secrets.token_bytes(32)), tamper.plain_sha256],
    ids=["other-key", "plain-sha256"],
)
def test_chain_recomputed_without_the_key_fails_at_entry_one(
    write_entries: WriteEntries, hasher: tamper.Hasher
) -> None:
    write_entries(5)
    tamper.set_column(2, "action", "test.rewritten")
    tamper.recompute_chain(hasher)
    rows = list(AuditEntry.objects.order_by("seq"))
    # The forged chain is self-consistent: only the key can tell it apart.
    assert all(after.prev_hash == before.hash for before, after in pairwise(rows))
    assert AuditHead.objects.get(pk=1).hash == rows[-1].hash
    assert_broken_at(1, "content does not match its hash")


def test_chain_recomputed_with_another_key_and_checkpoints_deleted_still_fails_at_entry_one(
    write_entries: WriteEntries,
) -> None:
    write_entries(5)
    tamper.recompute_chain(tamper.hmac_with(secrets.token_bytes(32)))
    chain.checkpoint_path().unlink()
    assert audit_verify().checkpoints == 0
    assert_broken_at(1, "content does not match its hash")


def test_a_chain_written_under_another_key_is_rejected(
    write_entries: WriteEntries, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_entries(3)
    assert audit_verify().ok
    chain.checkpoint_path().unlink()
    monkeypatch.setenv("LENHUB_AUDIT_KEY", secrets.token_hex(32))
    assert_broken_at(1, "content does not match its hash")


def test_the_key_from_the_environment_takes_precedence_over_the_key_file(
    write_entries: WriteEntries, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = secrets.token_hex(32)
    monkeypatch.setenv("LENHUB_AUDIT_KEY", key)
    written = write_entries(2)
    assert audit_verify().ok
    assert (
        tamper.hmac_with(bytes.fromhex(key))(
            chain.canonical(
                seq=1,
                created_at=written[0].created_at,
                actor=written[0].actor,
                action=written[0].action,
                target=written[0].target,
                data=written[0].data,
                prev_hash=written[0].prev_hash,
            )
        )
        == AuditEntry.objects.get(seq=1).hash
    )
    monkeypatch.delenv("LENHUB_AUDIT_KEY")
    assert not audit_verify().ok


def test_the_key_file_is_created_once_with_private_permissions() -> None:
    first = chain.load_key()
    assert len(first) == 32
    assert chain.load_key() == first
    assert chain._key_path().stat().st_mode & 0o777 == 0o600


# --- the checkpoint file ----------------------------------------------------------------


def test_checkpoint_file_has_one_genuine_line_per_committed_entry(
    write_entries: WriteEntries,
) -> None:
    written = write_entries(4)
    checkpoints = chain.checkpoints_read()
    assert [(cp.line, cp.seq, cp.hash, cp.valid) for cp in checkpoints] == [
        (number, entry.seq, entry.hash, True) for number, entry in enumerate(written, start=1)
    ]
    assert chain.checkpoint_path().stat().st_mode & 0o777 == 0o600


def test_entry_rolled_back_with_its_transaction_leaves_no_checkpoint(
    write_entries: WriteEntries,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    write_entries(2)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit_log(action="test.rolled_back")
        raise RuntimeError("abort")
    assert callbacks == []
    assert [cp.seq for cp in chain.checkpoints_read()] == [1, 2]
    assert AuditEntry.objects.count() == 2
    assert audit_verify().ok
    assert [entry.seq for entry in write_entries(1)] == [3]
    assert audit_verify().ok


def _append_checkpoint(line: str) -> None:
    with chain.checkpoint_path().open("a") as handle:
        handle.write(line)


def _forged_line(kind: str, seq: int, head_hash: str) -> str:
    if kind == "garbage":
        return "not a checkpoint\n"
    if kind == "zero-mac":
        mac = "0" * 64
    else:  # a well-formed MAC, under a key that is not the installation's
        mac = tamper.hmac_with(secrets.token_bytes(32))(f"checkpoint:{seq}:{head_hash}".encode())
    return f"{seq}\t{head_hash}\t2026-01-01T00:00:00+00:00\t{mac}\n"


@pytest.mark.parametrize("kind", ["zero-mac", "mac-under-another-key", "garbage"])
def test_forged_checkpoint_line_is_rejected_naming_the_line(
    write_entries: WriteEntries, kind: str
) -> None:
    written = write_entries(3)
    _append_checkpoint(_forged_line(kind, 9, written[-1].hash))
    result = audit_verify()
    assert not result.ok
    assert result.bad_seq is None
    assert result.reason == "checkpoint file line 4 is not genuine"
    with pytest.raises(CommandError, match="checkpoint file line 4 is not genuine"):
        verify_command()


def test_genuine_checkpoint_for_a_different_hash_is_detected(
    write_entries: WriteEntries,
) -> None:
    """A correctly MACed checkpoint that disagrees with the stored entry (as after the
    database is restored from an older state and written to again)."""
    write_entries(3)
    chain.checkpoint_write(2, "f" * 64)
    assert_broken_at(2, "differs from the checkpoint")


def test_checkpoint_written_under_the_env_key_is_not_genuine_under_the_file_key(
    write_entries: WriteEntries, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_entries(1)
    monkeypatch.setenv("LENHUB_AUDIT_KEY", secrets.token_hex(32))
    chain.checkpoint_write(1, AuditEntry.objects.get(seq=1).hash)
    monkeypatch.delenv("LENHUB_AUDIT_KEY")
    result = audit_verify()
    assert (result.ok, result.reason) == (False, "checkpoint file line 2 is not genuine")
