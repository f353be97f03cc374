"""Raw input files, kept content-addressed (`<root>/<sha256[:2]>/<sha256>`) beside the database.

The database references inputs by hash (issue 7: "raw stored or referenced"); the bytes live here
so re-running an analysis against a newer knowledge base reads the original files again through
the normal pipeline. Files are written to a temporary name and renamed, so a reader never sees a
partial file; `put` reports whether it created the file, so a caller whose database transaction
fails removes exactly what it added and nothing another analysis still references.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from pathlib import Path

from integrome.errors import StorageError

__all__ = ["BlobStore"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise StorageError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, source: Path, sha256: str) -> bool:
        """Store `source` under its digest; False when the content was already stored."""
        target = self.path(sha256)
        if target.is_file():
            return False
        staging = target.parent / f".{sha256}.{uuid.uuid4().hex[:8]}.partial"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, staging)
            except OSError:
                shutil.copyfile(source, staging)
            os.chmod(staging, 0o600)
            os.replace(staging, target)
        except OSError as exc:
            raise StorageError(f"cannot store an input file ({exc.strerror or exc})") from exc
        finally:
            with contextlib.suppress(OSError):
                staging.unlink(missing_ok=True)
        return True

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
