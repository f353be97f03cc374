"""Raw inputs kept content-addressed beside the database (storage/blobs.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from integrome.errors import StorageError
from integrome.storage.blobs import BlobStore


def _file(folder: Path, content: bytes) -> tuple[Path, str]:
    path = folder / "input.vcf"
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def test_put_stores_once_under_the_digest_readable_by_owner_only(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "inputs")
    source, digest = _file(tmp_path, b"##fileformat=VCFv4.2\n")
    assert store.put(source, digest) is True
    assert store.put(source, digest) is False
    stored = store.path(digest)
    assert stored.read_bytes() == b"##fileformat=VCFv4.2\n"
    assert stored.parent.name == digest[:2]
    assert stored.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in stored.parent.iterdir()] == [digest]


def test_remove_deletes_and_exists_reports_it(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "inputs")
    source, digest = _file(tmp_path, b"x")
    store.put(source, digest)
    store.remove(digest)
    assert not store.exists(digest)
    store.remove(digest)


def test_a_name_that_is_not_a_digest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="not a sha256"):
        BlobStore(tmp_path).path("../../etc/passwd")


def test_unwritable_store_is_a_storage_error_and_leaves_no_partial_file(tmp_path: Path) -> None:
    source, digest = _file(tmp_path, b"x")
    blocker = tmp_path / "inputs"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="cannot store"):
        BlobStore(blocker).put(source, digest)
