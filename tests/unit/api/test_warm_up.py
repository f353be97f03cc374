"""Server warm-up (api/app.py `warm_up`): what the first EHR call would otherwise wait for."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cdsehr import Ehr

from integrome.api.app import create_app, warm_up
from integrome.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """`warm_up` freezes the test process's objects out of the collector: thaw them afterwards."""
    yield
    gc.unfreeze()


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path, database_url=None, kb_path=None, **overrides)  # type: ignore[arg-type]


def test_warm_up_loads_the_cds_knowledge_base_and_freezes_what_is_loaded(
    tmp_path: Path, unfrozen: None
) -> None:
    app = create_app(_settings(tmp_path, cds_clients=[Ehr().client()]))
    assert getattr(app.state, "cds", None) is None
    warm_up(app)
    runtime = app.state.cds
    assert runtime._kb is not None
    assert runtime._kb._pgx is not None
    assert gc.get_freeze_count() > 0
    app.state.repository.close()


def test_warm_up_without_cds_clients_builds_no_cds_state(tmp_path: Path, unfrozen: None) -> None:
    app = create_app(_settings(tmp_path))
    warm_up(app)
    assert getattr(app.state, "cds", None) is None
    assert gc.get_freeze_count() > 0
    app.state.repository.close()
