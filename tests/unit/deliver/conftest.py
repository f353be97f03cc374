"""Fixtures for the delivery tests: the reference analysis from `sample.py`."""

from __future__ import annotations

import pytest
from tests.unit.deliver.sample import make_analysis

from integrome.model import Analysis


@pytest.fixture
def analysis() -> Analysis:
    return make_analysis()
