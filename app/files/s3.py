"""Uploaded files in an S3-compatible bucket: AWS S3, or MinIO, Garage, Cloudflare R2 and the
like through ``s3_endpoint_url``.

The contract is LocalStorage's: a blob is visible under its key only once its writer's block
exits normally. A blob up to one part is a single put_object; a bigger one is a multipart
upload of PART_BYTES parts, completed on a normal exit and aborted on any exception, so
neither half an object nor an unfinished upload (which a bucket keeps, and bills, until
aborted) is left behind. Memory holds at most one part per writer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from app.core.config import Settings
from app.files.storage import Writer, random_key, validate_key

log = logging.getLogger("opencall.files")

# Every part but the last must be at least 5 MiB; at most 10,000 parts make an object 80 GB.
PART_BYTES = 8 * 1024 * 1024
# What a missing object is called: HEAD answers a bare 404, GET says NoSuchKey.
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
# One connection per worker thread that may stream a download at the same time (anyio's
# default thread limit), so concurrent downloads do not churn connections.
_MAX_CONNECTIONS = 40


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


class _ObjectWriter:
    """Holds up to one part; past that, sends each full part as it fills."""

    def __init__(self, client: Any, bucket: str, name: str) -> None:
        self._client = client
        self._bucket = bucket
        self._name = name
        self._pending = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self._pending += data
        # Strictly more than a part: the last part is then never empty, and a blob of
        # exactly one part is a plain put_object.
        while len(self._pending) > PART_BYTES:
            self._send_part(bytes(self._pending[:PART_BYTES]))
            del self._pending[:PART_BYTES]

    def _send_part(self, data: bytes) -> None:
        if self._upload_id is None:
            created = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._name)
            self._upload_id = str(created["UploadId"])
        number = len(self._parts) + 1
        sent = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._name,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
        )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def commit(self) -> None:
        if self._upload_id is None:
            self._client.put_object(Bucket=self._bucket, Key=self._name, Body=bytes(self._pending))
        else:
            self._send_part(bytes(self._pending))
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._name,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self._pending.clear()

    def abort(self) -> None:
        self._pending.clear()
        if self._upload_id is None:
            return
        try:
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._name, UploadId=self._upload_id
            )
        except Exception:
            # The write's own error is what the caller must see; a bucket lifecycle rule
            # (AbortIncompleteMultipartUpload) removes what this could not.
            log.exception("could not abort the multipart upload of %s", self._name)


class S3Storage:
    """Blobs as objects in ``bucket``, named ``prefix/key`` (or just ``key``)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        assert settings.s3_bucket is not None  # the settings refuse s3 without a bucket
        secret = settings.s3_secret_access_key
        client = s3_client(
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_access_key_id,
            secret.get_secret_value() if secret is not None else None,
        )
        return cls(client, settings.s3_bucket, settings.s3_prefix)

    def object_name(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def new_key(self) -> str:
        return random_key()

    @contextmanager
    def writer(self, key: str) -> Iterator[Writer]:
        out = _ObjectWriter(self.client, self.bucket, self.object_name(key))
        try:
            yield out
            out.commit()
        except BaseException:
            out.abort()
            raise

    def open(self, key: str) -> BinaryIO:
        """A stream straight from the bucket: it reads and closes, but cannot seek."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"no stored file {key!r}") from exc
            raise
        body: BinaryIO = response["Body"]
        return body

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"no stored file {key!r}") from exc
            raise
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        # S3 answers a delete of a missing object with success, as the protocol wants.
        self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))


@lru_cache(maxsize=8)
def s3_client(
    endpoint_url: str | None,
    region: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
) -> Any:
    """One client per configuration, shared: a client is thread-safe and slow to build.

    Credentials left unset come from the standard AWS chain (environment, profile, instance
    or task role). For another provider than AWS (an endpoint URL is set), objects are named
    in the path (``endpoint/bucket/key``), which they all accept, rather than in a bucket
    subdomain that needs DNS set up; and checksums are sent only where S3 requires them,
    since not every provider accepts the newer checksum headers."""
    options: dict[str, Any] = {
        "retries": {"mode": "standard"},
        "max_pool_connections": _MAX_CONNECTIONS,
    }
    if endpoint_url is not None:
        options |= {
            "s3": {"addressing_style": "path"},
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        }
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=Config(**options),
    )
