"""The keyed hash chain and its checkpoints, both kept outside the database.

Each entry's hash is HMAC-SHA256(key, canonical JSON of the entry including the previous
entry's hash). Without the key nobody can recompute a valid chain. After every commit
the new head (sequence number and hash, itself MACed) is appended to a checkpoint file
outside the database, so that deleting the newest rows or replacing the whole chain is
detected as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings


def _key_path() -> Path:
    return Path(settings.AUDIT_KEY_FILE)


def load_key() -> bytes:
    """The chain key: ``LENHUB_AUDIT_KEY`` (hex) or the key file, created on first use."""
    from_env = os.environ.get("LENHUB_AUDIT_KEY")
    if from_env:
        return bytes.fromhex(from_env)
    path = _key_path()
    if not path.exists():
        # Write the key under a private name, then link it into place: the key file
        # appears complete or not at all, so a concurrent first use never reads it empty.
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return bytes.fromhex(path.read_text().strip())


def canonical(
    *,
    seq: int,
    created_at: datetime,
    actor: str,
    action: str,
    target: str,
    data: dict[str, Any],
    prev_hash: str,
) -> bytes:
    body = {
        "seq": seq,
        "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target": target,
        "data": data,
        "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(key: bytes, **fields: Any) -> str:
    return hmac.new(key, canonical(**fields), hashlib.sha256).hexdigest()


def _checkpoint_mac(key: bytes, seq: int, head_hash: str) -> str:
    return hmac.new(key, f"checkpoint:{seq}:{head_hash}".encode(), hashlib.sha256).hexdigest()


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def checkpoint_write(seq: int, head_hash: str) -> None:
    """Append the head to the checkpoint file (one short O_APPEND write per line)."""
    key = load_key()
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    line = f"{seq}\t{head_hash}\t{now}\t{_checkpoint_mac(key, seq, head_hash)}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Checkpoint:
    line: int
    seq: int
    hash: str
    valid: bool


def checkpoints_read() -> list[Checkpoint]:
    path = checkpoint_path()
    if not path.exists():
        return []
    key = load_key()
    result = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        parts = raw.split("\t")
        if len(parts) != 4 or not parts[0].isdigit():
            result.append(Checkpoint(number, -1, "", False))
            continue
        seq, head_hash, _at, mac = int(parts[0]), parts[1], parts[2], parts[3]
        valid = hmac.compare_digest(mac, _checkpoint_mac(key, seq, head_hash))
        result.append(Checkpoint(number, seq, head_hash, valid))
    return result
