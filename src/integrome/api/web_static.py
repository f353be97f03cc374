"""The web pages' three static files, served from the package (no folder on disk is exposed).

`report.css` is the file report's own stylesheet (deliver/templates), so the web report and the
HTML/PDF report look alike. URLs carry a content hash (`static_url`), so browsers may keep a file
for a year: a changed file gets a new URL.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from fastapi import HTTPException, Response

__all__ = ["static_response", "static_url"]

_FILES: dict[str, tuple[str, str, str]] = {
    "web.css": ("integrome.api", "static/web.css", "text/css; charset=utf-8"),
    "app.js": ("integrome.api", "static/app.js", "text/javascript; charset=utf-8"),
    "report.css": ("integrome.deliver", "templates/report.css", "text/css; charset=utf-8"),
}


@cache
def _content(name: str) -> bytes:
    package, path, _ = _FILES[name]
    return files(package).joinpath(path).read_bytes()


@cache
def static_url(name: str) -> str:
    digest = hashlib.sha256(_content(name)).hexdigest()[:12]
    return f"/web/static/{name}?v={digest}"


def static_response(name: str) -> Response:
    if name not in _FILES:
        raise HTTPException(404, f"no static file {name}")
    return Response(
        _content(name),
        media_type=_FILES[name][2],
        headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
    )
