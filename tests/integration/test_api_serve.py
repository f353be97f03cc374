"""`integrome serve` and `integrome users`: the server as an operator starts it."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from integrome.cli.main import main
from integrome.errors import ConfigError
from integrome.settings import ExternalIssuer, Settings


def test_users_add_and_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert (
        main(["users", "add", "ann", "--role", "clinician", "--password-stdin", "--database-url", url]) == 0
    )
    assert main(["users", "list", "--database-url", url]) == 0
    assert "ann\tclinician\tlocal" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "stdin", "problem"),
    [
        (["ann", "--role", "wizard"], "a long enough password\n", "unknown role 'wizard'"),
        (["ann"], "short\n", "at least 12 characters"),
        (["../ann"], "a long enough password\n", "user name"),
    ],
)
def test_users_add_refuses_bad_values_with_one_error_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    stdin: str,
    problem: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    url = f"sqlite:///{tmp_path / 'users.db'}"
    assert main(["users", "add", *arguments, "--password-stdin", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert problem in err


def test_external_issuer_with_a_shared_secret_algorithm_is_refused(tmp_path: Path) -> None:
    from integrome.api.app import create_app

    issuer = ExternalIssuer(issuer="https://idp.example", jwks_url="/x.json", algorithms=["RS256", "HS256"])
    with pytest.raises(ConfigError, match="public-key algorithms"):
        create_app(Settings(data_dir=tmp_path, database_url=None, trusted_issuers=[issuer]))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_migrates_listens_and_logs_json(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "INTEGROME_DATA_DIR": str(tmp_path)}
    env.pop("INTEGROME_DATABASE_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("integrome")), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    assert json.load(response) == {"status": "ready", "database": "ok"}
                    break
            except OSError:
                if server.poll() is not None:
                    errors = server.stderr.read() if server.stderr is not None else ""
                    pytest.fail(f"server exited with {server.returncode}: {errors[-2000:]}")
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0
    assert (tmp_path / "integrome.db").is_file()
    assert oct((tmp_path / "jwt-secret").stat().st_mode & 0o777) == "0o600"
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(entry.get("route") == "/ready" and entry.get("status") == 200 for entry in logged)
    assert all(line.startswith("{") for line in err.splitlines() if line.strip())


def test_multi_worker_listener_gives_connections_tcp_nodelay() -> None:
    """asyncio sets TCP_NODELAY only on sockets accepted from an IPPROTO_TCP listener, which is why
    `integrome serve --workers N` builds its own (uvicorn's has proto 0: Nagle delays keep-alive)."""
    import asyncio

    from integrome.cli.serve import tcp_listener

    listener = tcp_listener("127.0.0.1", 0)
    port = listener.getsockname()[1]
    seen: list[int] = []

    async def main() -> None:
        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(50):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert seen
    assert seen[0] != 0


def test_serve_with_two_workers_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "INTEGROME_DATA_DIR": str(tmp_path)}
    env.pop("INTEGROME_DATABASE_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("integrome")), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    assert json.load(response)["status"] == "ready"
                    break
            except OSError:
                if server.poll() is not None:
                    errors = server.stderr.read() if server.stderr is not None else ""
                    pytest.fail(f"server exited with {server.returncode}: {errors[-2000:]}")
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
