from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from lenhub.audit.models import AuditEntry
from lenhub.audit.services import audit_log

WriteEntries = Callable[[int], list[AuditEntry]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: runs the installed `lenhub` command in subprocesses"
    )


@pytest.fixture
def write_entries(
    db: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> WriteEntries:
    """Append entries through audit_log, one committed transaction each as in production:
    the test transaction never commits, so run the on-commit hooks that write the
    checkpoint file."""

    def write(count: int) -> list[AuditEntry]:
        written = []
        for number in range(count):
            with django_capture_on_commit_callbacks(execute=True):
                written.append(
                    audit_log(
                        action=f"test.step{number % 3}",
                        target=f"item:{number}",
                        data={"n": number, "note": "ünïcode ✓", "nested": {"b": [1, 2]}},
                    )
                )
        return written

    return write
