"""Golden files: reviewed outputs of the bundled demo patient in deterministic mode.

Regenerate them only on purpose, then read and commit the diff with the change that caused it:

    .venv/bin/pytest tests/golden --update-golden

(pytest reads this option from here only when tests/golden is named on the command line.)
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "demo"
_DIFF_LINES = 80


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden files from the current output instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/demo/<name>, or rewrite that file under --update-golden."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"{path} is missing; create it with: pytest tests/golden --update-golden")
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = difflib.unified_diff(
                expected.splitlines(), actual.splitlines(), f"golden/{name}", "actual", lineterm=""
            )
            shown = list(diff)[:_DIFF_LINES]
            pytest.fail(
                f"{name} differs from the golden file (review, then pytest tests/golden --update-golden):\n"
                + "\n".join(shown),
                pytrace=False,
            )

    return check
