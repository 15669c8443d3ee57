"""The storage contract, held by every backend alike (the local disk and an S3-compatible
bucket): a blob is visible only once its writer's block exits normally, a failed write
leaves nothing (no temporary file, no unfinished multipart upload), a missing key is
FileNotFoundError, deleting is idempotent, and no key outside the key syntax is accepted."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.files.s3 import PART_BYTES, S3Storage
from app.files.storage import LocalStorage, Storage, make_storage, seekable_copy
from tests.files.conftest import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, Bucket

MB = 1024 * 1024
PREFIX = "tenant-a/uploads"


@dataclass
class Backend:
    storage: Storage
    # Every blob the backend holds, by key, and anything half-written (temporary files,
    # unfinished multipart uploads) under a name of its own.
    leftovers: Callable[[], list[str]]


def _local(tmp_path: Path) -> Backend:
    storage = LocalStorage(tmp_path / "uploads")

    def leftovers() -> list[str]:
        return sorted(
            p.relative_to(storage.root).as_posix() for p in storage.root.rglob("*") if p.is_file()
        )

    return Backend(storage, leftovers)


def _s3(bucket: Bucket) -> Backend:
    storage = S3Storage(bucket.client, bucket.name, PREFIX)

    def leftovers() -> list[str]:
        # Every object is under the prefix; what is listed is the key it stores.
        names = [name.removeprefix(f"{PREFIX}/") for name in bucket.object_names()]
        unfinished = [f"unfinished upload of {name}" for name in bucket.unfinished_uploads()]
        return sorted(names) + unfinished

    return Backend(storage, leftovers)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return _local(tmp_path)
    return _s3(request.getfixturevalue("s3_bucket"))


def _read(storage: Storage, key: str) -> bytes:
    with storage.open(key) as file:
        return file.read()


def _pattern(size: int) -> Iterator[bytes]:
    """``size`` bytes in 1 MB chunks, no two chunks alike, made as they are written."""
    for start in range(0, size, MB):
        seed = hashlib.sha256(start.to_bytes(8, "big")).digest()
        yield (seed * (MB // len(seed) + 1))[: min(MB, size - start)]


class Broken(Exception):
    pass


def test_a_write_is_visible_only_once_committed(backend: Backend) -> None:
    storage = backend.storage
    key = storage.new_key()
    with storage.writer(key) as out:
        out.write(b"half ")
        assert storage.exists(key) is False
        out.write(b"done")

    assert (storage.exists(key), storage.size(key), _read(storage, key)) == (
        True,
        9,
        b"half done",
    )
    assert backend.leftovers() == [key]
    storage.delete(key)
    storage.delete(key)  # deleting twice is fine
    assert (storage.exists(key), backend.leftovers()) == (False, [])


def test_an_empty_blob_is_a_blob(backend: Backend) -> None:
    key = backend.storage.new_key()
    with backend.storage.writer(key):
        pass

    assert (backend.storage.size(key), _read(backend.storage, key)) == (0, b"")


def test_a_big_blob_streams_in_and_out_whole(backend: Backend) -> None:
    storage = backend.storage
    size = 20 * MB + 12345  # more than two parts of an object store's upload
    key = storage.new_key()
    written = hashlib.sha256()
    with storage.writer(key) as out:
        for chunk in _pattern(size):
            written.update(chunk)
            out.write(chunk)
            assert storage.exists(key) is False

    read = hashlib.sha256()
    with storage.open(key) as file:
        while chunk := file.read(64 * 1024):
            read.update(chunk)
    assert (storage.size(key), read.hexdigest(), backend.leftovers()) == (
        size,
        written.hexdigest(),
        [key],
    )


@pytest.mark.parametrize("size", [100, 2 * PART_BYTES + 1], ids=["small", "several-parts"])
def test_a_failed_write_leaves_nothing_behind(backend: Backend, size: int) -> None:
    key = backend.storage.new_key()

    with pytest.raises(Broken, match="disk went away"), backend.storage.writer(key) as out:
        for chunk in _pattern(size):
            out.write(chunk)
        raise Broken("disk went away")

    assert (backend.storage.exists(key), backend.leftovers()) == (False, [])


def test_a_missing_key_is_file_not_found(backend: Backend) -> None:
    key = backend.storage.new_key()

    with pytest.raises(FileNotFoundError):
        backend.storage.open(key)
    with pytest.raises(FileNotFoundError):
        backend.storage.size(key)
    assert backend.storage.exists(key) is False
    backend.storage.delete(key)  # not an error


@pytest.mark.parametrize(
    "key",
    ["../x", "/etc/passwd", "a/../../b", "a\\b", "", "a//b", "a/", ".", "ab/cd/.x", "a" * 101],
)
def test_keys_outside_the_key_syntax_are_refused(backend: Backend, key: str) -> None:
    storage = backend.storage
    for use in (storage.exists, storage.open, storage.size, storage.delete):
        with pytest.raises(ValueError):
            use(key)
    with pytest.raises(ValueError), storage.writer(key) as out:
        out.write(b"never stored")
    assert backend.leftovers() == []


def test_new_keys_are_random_and_valid(backend: Backend) -> None:
    keys = {backend.storage.new_key() for _ in range(100)}

    assert len(keys) == 100
    for key in keys:
        assert backend.storage.exists(key) is False


@pytest.mark.parametrize("memory_bytes", [1024, 1 * MB], ids=["on-disk", "in-memory"])
def test_a_seekable_copy_reads_like_the_blob(backend: Backend, memory_bytes: int) -> None:
    data = b"".join(_pattern(100_000))
    key = backend.storage.new_key()
    with backend.storage.writer(key) as out:
        out.write(data)

    with backend.storage.open(key) as stored, seekable_copy(stored, memory_bytes) as file:
        file.seek(99_000)
        tail = file.read()
        file.seek(0)
        assert (tail, file.read()) == (data[99_000:], data)


# The S3 backend's own shape


def test_objects_are_named_under_the_prefix(s3_bucket: Bucket) -> None:
    storage = S3Storage(s3_bucket.client, s3_bucket.name, f"/{PREFIX}/")
    key = storage.new_key()
    with storage.writer(key) as out:
        out.write(b"x")

    assert s3_bucket.object_names() == [f"{PREFIX}/{key}"]


@pytest.mark.parametrize(
    ("size", "parts"), [(PART_BYTES, None), (PART_BYTES + 1, 2), (2 * PART_BYTES + 1, 3)]
)
def test_a_blob_over_one_part_goes_up_in_parts(
    s3_bucket: Bucket, size: int, parts: int | None
) -> None:
    storage = S3Storage(s3_bucket.client, s3_bucket.name)
    key = storage.new_key()
    with storage.writer(key) as out:
        for chunk in _pattern(size):
            out.write(chunk)

    # A multipart object's ETag ends in "-<parts>"; a single put_object's does not.
    etag = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=key)["ETag"].strip('"')
    assert (storage.size(key), etag.partition("-")[2] or None) == (
        size,
        None if parts is None else str(parts),
    )


# Choosing the backend


def test_make_storage_uses_the_upload_dir(tmp_path: Path) -> None:
    made = make_storage(Settings(_env_file=None, upload_dir=str(tmp_path / "files")))

    assert isinstance(made, LocalStorage)
    assert (made.root, made.root.is_dir()) == (tmp_path / "files", True)


def test_make_storage_uses_the_bucket(s3_bucket: Bucket) -> None:
    settings = Settings(
        _env_file=None,
        storage_backend="s3",
        s3_bucket=s3_bucket.name,
        s3_endpoint_url=s3_bucket.endpoint_url,
        s3_region=REGION,
        s3_access_key_id=ACCESS_KEY_ID,
        s3_secret_access_key=SECRET_ACCESS_KEY,
        s3_prefix=PREFIX + "/",
    )
    made = make_storage(settings)
    key = made.new_key()
    with made.writer(key) as out:
        out.write(b"through the settings")

    assert isinstance(made, S3Storage)
    assert (made.bucket, made.prefix, s3_bucket.object_names()) == (
        s3_bucket.name,
        PREFIX,
        [f"{PREFIX}/{key}"],
    )
    # One client per configuration, however many requests ask for the storage.
    assert make_storage(settings).client is made.client


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"storage_backend": "s3"}, "OPENCALL_S3_BUCKET must be set"),
        ({"storage_backend": "s3", "s3_bucket": " "}, "OPENCALL_S3_BUCKET must be set"),
        ({"s3_access_key_id": "AKIA"}, "OPENCALL_S3_SECRET_ACCESS_KEY go together"),
        ({"s3_secret_access_key": "secret"}, "OPENCALL_S3_ACCESS_KEY_ID and"),
        ({"s3_endpoint_url": "minio:9000"}, "s3_endpoint_url must be an absolute http(s) URL"),
        ({"s3_prefix": "a/../b"}, "s3_prefix must be letters"),
        ({"storage_backend": "gcs"}, "storage_backend"),
    ],
)
def test_a_wrong_storage_configuration_is_refused_at_start(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_s3_settings_left_blank_are_unset() -> None:
    settings = Settings(
        _env_file=None,
        storage_backend="s3",
        s3_bucket="opencall",
        s3_endpoint_url="",
        s3_region="",
        s3_access_key_id="",
        s3_secret_access_key="",
    )

    assert (
        settings.s3_endpoint_url,
        settings.s3_region,
        settings.s3_access_key_id,
        settings.s3_secret_access_key,
    ) == (None, None, None, None)
