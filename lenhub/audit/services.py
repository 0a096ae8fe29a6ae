"""Writing to and verifying the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lenhub.audit import chain
from lenhub.audit.models import GENESIS_HASH, AuditEntry, AuditHead

if TYPE_CHECKING:
    from lenhub.accounts.models import User


def _pseudonym(actor: User | None, actor_id: int | None) -> str:
    if actor is not None and actor.pk is not None:
        return str(actor.audit_pid)
    if actor_id is None:
        return ""
    from lenhub.accounts.models import User

    pid = User.objects.filter(pk=actor_id).values_list("audit_pid", flat=True).first()
    return str(pid or "")


def _client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


def _entry_hash(key: bytes, entry: AuditEntry) -> str:
    return chain.entry_hash(
        key,
        seq=entry.seq,
        created_at=entry.created_at,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        data=entry.data,
        prev_hash=entry.prev_hash,
    )


def audit_log(
    *,
    action: str,
    actor: User | None = None,
    actor_id: int | None = None,
    target: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry. Writers queue on the head row, so the chain never forks; the
    checkpoint outside the database is written once the entry is committed."""
    details = dict(data or {})
    ip = _client_ip(request)
    if ip:
        details["ip"] = ip
    pid = _pseudonym(actor, actor_id)
    key = chain.load_key()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        seq = head.seq + 1
        entry = AuditEntry(
            seq=seq,
            created_at=timezone.now(),
            actor=pid,
            action=action,
            target=target[:200],
            data=details,
            prev_hash=head.hash,
        )
        entry.hash = _entry_hash(key, entry)
        entry.save(force_insert=True)
        head.seq, head.hash = seq, entry.hash
        head.save(update_fields=["seq", "hash"])
        transaction.on_commit(lambda: chain.checkpoint_write(seq, entry.hash))
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    checkpoints: int
    bad_seq: int | None = None
    reason: str = ""


def audit_verify() -> VerifyResult:
    """Recompute the chain with the key and compare it with the checkpoints."""
    key = chain.load_key()
    checkpoints = chain.checkpoints_read()
    for cp in checkpoints:
        if not cp.valid:
            return VerifyResult(
                False, 0, len(checkpoints), None, f"checkpoint file line {cp.line} is not genuine"
            )
    wanted = {cp.seq: cp.hash for cp in checkpoints}
    prev = GENESIS_HASH
    expected = 1
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected:
            return VerifyResult(
                False, count, len(checkpoints), expected, "entry is missing from the chain"
            )
        if entry.prev_hash != prev:
            return VerifyResult(
                False, count, len(checkpoints), entry.seq, "does not follow the previous entry"
            )
        if _entry_hash(key, entry) != entry.hash:
            return VerifyResult(
                False, count, len(checkpoints), entry.seq, "content does not match its hash"
            )
        if entry.seq in wanted and wanted[entry.seq] != entry.hash:
            return VerifyResult(
                False, count, len(checkpoints), entry.seq, "differs from the checkpoint"
            )
        prev = entry.hash
        expected += 1
        count += 1
    newest_checkpoint = max(wanted, default=0)
    if newest_checkpoint > count:
        return VerifyResult(
            False,
            count,
            len(checkpoints),
            count + 1,
            f"entry is missing: the checkpoint records entries up to #{newest_checkpoint}",
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return VerifyResult(
            False,
            count,
            len(checkpoints),
            count + 1 if head.seq > count else head.seq,
            "the head record does not match the chain",
        )
    return VerifyResult(True, count, len(checkpoints))
