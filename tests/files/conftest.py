"""An S3-compatible server (moto's, in this process) for the storage tests, and a fresh
bucket per test on it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from app.files.s3 import s3_client

REGION = "us-east-1"
ACCESS_KEY_ID = "opencall-test"
SECRET_ACCESS_KEY = "opencall-test-secret"


@dataclass
class Bucket:
    endpoint_url: str
    name: str
    client: Any

    def object_names(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def unfinished_uploads(self) -> list[str]:
        listed = self.client.list_multipart_uploads(Bucket=self.name)
        return sorted(upload["Key"] for upload in listed.get("Uploads", []))


@pytest.fixture(scope="session")
def s3_endpoint_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint_url: str) -> Iterator[Bucket]:
    client = s3_client(s3_endpoint_url, REGION, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    bucket = Bucket(s3_endpoint_url, f"opencall-test-{secrets.token_hex(6)}", client)
    client.create_bucket(Bucket=bucket.name)
    yield bucket
    # The server lives for the whole run: give its memory back.
    for name in bucket.object_names():
        client.delete_object(Bucket=bucket.name, Key=name)
    for upload in client.list_multipart_uploads(Bucket=bucket.name).get("Uploads", []):
        client.abort_multipart_upload(
            Bucket=bucket.name, Key=upload["Key"], UploadId=upload["UploadId"]
        )
    client.delete_bucket(Bucket=bucket.name)
