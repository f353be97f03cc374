"""`integrome users`: laboratory links, deactivation and token revocation from the command line."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from integrome.cli.main import main
from integrome.storage import create_repository


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    database = f"sqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setenv("INTEGROME_DATABASE_URL", database)  # the CLI sets it too; restored afterwards
    for name, role in (("lab1", "lab"), ("ann", "clinician")):
        monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
        assert (
            main(["users", "add", name, "--role", role, "--password-stdin", "--database-url", database]) == 0
        )
    return database


def test_link_lab_is_listed_and_unlinked(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "list", "--database-url", url]) == 0
    assert "lab1\tlab\tlocal\tlabs: none" in capsys.readouterr().out
    assert main(["users", "link-lab", "lab1", "city-lab", "--database-url", url]) == 0
    assert main(["users", "link-lab", "lab1", "acme-dx", "--database-url", url]) == 0
    assert main(["users", "list", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "lab1\tlab\tlocal\tlabs: acme-dx, city-lab" in out
    assert "ann\tclinician\tlocal\n" in out
    assert main(["users", "unlink-lab", "lab1", "acme-dx", "--database-url", url]) == 0
    assert main(["users", "unlink-lab", "lab1", "acme-dx", "--database-url", url]) == 2
    assert "not linked to laboratory 'acme-dx'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["ann", "city-lab"], "clinician role"),
        (["nobody", "city-lab"], "no user 'nobody'"),
        (["lab1", "City Lab"], "laboratory id 'City Lab'"),
    ],
)
def test_link_lab_refuses_with_one_error_line(
    url: str, capsys: pytest.CaptureFixture[str], arguments: list[str], problem: str
) -> None:
    assert main(["users", "link-lab", *arguments, "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert problem in err


def test_deactivate_activate_and_revoke_tokens_reach_the_database(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "revoke-tokens", "ann", "--database-url", url]) == 0
    repository = create_repository(url)
    with repository.transaction() as tx:
        revoked = tx.token_subject("ann", "x")
    assert revoked is not None
    assert revoked.tokens_valid_after is not None
    assert main(["users", "deactivate", "lab1", "--database-url", url]) == 0
    assert main(["users", "list", "--database-url", url]) == 0
    assert "lab1\tlab\tlocal (inactive)" in capsys.readouterr().out
    assert main(["users", "activate", "lab1", "--database-url", url]) == 0
    with repository.transaction() as tx:
        subject = tx.token_subject("lab1", "x")
    repository.close()
    assert subject is not None
    assert subject.user.active
    assert subject.tokens_valid_after is not None
