"""A live server and Debian's Chromium driven by Playwright, for the web pages' browser tests.

The server is the real app (`create_app`) on a temp SQLite database, served by uvicorn on a free
loopback port in a thread. Chromium is the system browser (`/usr/bin/chromium`, Debian package
`chromium`); Playwright never downloads one. Without it the tests skip with a reason, unless
INTEGROME_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI

from integrome.api.app import create_app
from integrome.settings import Settings
from tests.integration.apiharness import PASSWORD, USERS, password_hash

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""As root in a closed network (env/machines/python.md): without the background-networking flags
Chromium keeps trying to reach Google's hosts. Playwright adds a fresh --user-data-dir itself."""


def require_browser() -> None:
    """Skip (or fail under INTEGROME_REQUIRE_BROWSER=1) when Chromium or Playwright is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is absent (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem is None:
        return
    if os.environ.get("INTEGROME_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{problem} and INTEGROME_REQUIRE_BROWSER=1")
    pytest.skip(problem)


@dataclass
class LiveServer:
    url: str
    settings: Settings
    app: FastAPI


@contextmanager
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 (a port the OS picks), with one user per role of `apiharness.USERS`."""
    import uvicorn

    settings = Settings(data_dir=data_dir, database_url=None, kb_path=data_dir / "kb", deterministic=False)
    app = create_app(settings)
    with app.state.repository.transaction() as tx:
        for name, role in USERS.items():
            tx.add_user(name, role, password_hash())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, server: LiveServer, user: str, next_path: str = "/web/") -> None:
    page.goto(f"{server.url}/web/signin?next={next_path}")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def screenshot(page: Page, name: str, **options: Any) -> Path:
    """Save a screenshot under tests/artifacts/ (gitignored; CI keeps it as a test artifact)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)
    return path
