from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def shared_data() -> Path:
    """``../shared/data`` beside the repository (or ``LENHUB_SHARED_DATA``)."""
    return Path(os.environ.get("LENHUB_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def cordis_dir() -> Path:
    directory = shared_data() / "security-research"
    if not (directory / "fp7-security-projects.csv").exists():
        pytest.skip(f"the real CORDIS sample is not at {directory} (../shared/data absent)")
    return directory
