"""Shared fixtures. `shared_dir` is the public reference data beside the repository.

Tests that need it skip with a reason when it is absent, and fail instead when
INTEGROME_REQUIRE_SHARED=1 (set by .ci/run), so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("INTEGROME_SHARED_DIR", REPO.parent / "shared"))


def _shared_or_skip(sub: str) -> Path:
    path = SHARED / sub
    if path.exists():
        return path
    if os.environ.get("INTEGROME_REQUIRE_SHARED") == "1":
        pytest.fail(f"{path} is missing and INTEGROME_REQUIRE_SHARED=1")
    pytest.skip(f"{path} is absent (public reference data not available)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: PharmCAT, OncoTree, DOID, HGNC, CIViC, PCGR, MOAlmanac, CTML, phenopackets."""
    return _shared_or_skip("data")


@pytest.fixture(scope="session")
def shared_acceptance() -> Path:
    """../shared/acceptance: the public acceptance cases and their checker."""
    return _shared_or_skip("acceptance")


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_data(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the developer's own integrome data folder (database, imported KB) out of every test."""
    os.environ["INTEGROME_DATA_DIR"] = str(tmp_path_factory.mktemp("integrome-data"))
    os.environ.pop("INTEGROME_KB_PATH", None)
    os.environ.pop("INTEGROME_DATABASE_URL", None)
