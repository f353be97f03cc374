"""A test server: `create_app` on a temp data folder with one user per role and their tokens.

Shared by the API tests (and usable by other routers' tests): `with running_api(tmp_path) as api:`
gives a started `TestClient` (lifespan run) and `api.auth("ann")` bearer headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from integrome.api.app import create_app
from integrome.api.auth import hash_password
from integrome.settings import Settings
from integrome.storage import Role

PASSWORD = "correct horse battery staple"
USERS: dict[str, Role] = {
    "root": "admin",
    "ann": "clinician",
    "ben": "clinician",
    "lab": "lab",
    "res": "researcher",
}
DEMO = Path(__file__).resolve().parents[2] / "src" / "integrome" / "examples" / "demo"


@cache
def password_hash() -> str:
    """One argon2 hash for every test user: hashing costs ~0.1 s, tests need not pay it per user."""
    return hash_password(PASSWORD)


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def post_bundle(self, user: str = "ann", content: bytes | None = None, **params: Any) -> Any:
        body = content if content is not None else (DEMO / "bundle.json").read_bytes()
        headers = {**self.auth(user), "Content-Type": "application/json"}
        return self.client.post("/api/v1/analyses", content=body, headers=headers, params=params)

    def post_files(self, paths: list[Path], user: str = "ann", **params: Any) -> Any:
        files = [("files", (path.name, path.read_bytes())) for path in paths]
        return self.client.post("/api/v1/analyses", files=files, headers=self.auth(user), params=params)


@contextmanager
def running_api(data_dir: Path, **overrides: Any) -> Iterator[Api]:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": None,
        "kb_path": None,
        "deterministic": False,
    }
    settings = Settings(**(values | overrides))
    app = create_app(settings)
    authenticator = app.state.authenticator
    tokens: dict[str, str] = {}
    with app.state.repository.transaction() as tx:
        known = {user.name: user for user in tx.list_users()}
        for name, role in USERS.items():
            user = known.get(name) or tx.add_user(name, role, password_hash())
            tokens[name] = authenticator.issue(user).access_token
    with TestClient(app) as client:
        yield Api(app=app, client=client, settings=settings, tokens=tokens)
