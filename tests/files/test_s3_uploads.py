"""The app configured with storage_backend=s3: files go through the real API into the bucket
and come back byte for byte, and nothing of them touches the upload directory."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from PIL import Image

from app.core.config import Settings
from app.files.s3 import PART_BYTES
from tests.conftest import Mailbox, make_settings
from tests.factories import client_for, make_challenge, start_entry
from tests.files.conftest import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, Bucket

PREFIX = "opencall"
PDF_HEAD = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
FORM = [
    {
        "key": "poster",
        "type": "file",
        "label": "Poster",
        "config": {"accept": ["pdf", "image"], "max_size_mb": 20, "max_files": 2},
    }
]


@pytest.fixture
def settings(
    database_url: str,
    smtp_server: tuple[Controller, Mailbox],
    s3_bucket: Bucket,
    tmp_path: Path,
) -> Settings:
    controller, _ = smtp_server
    return make_settings(
        database_url,
        controller.port,
        upload_dir=str(tmp_path / "uploads"),
        storage_backend="s3",
        s3_bucket=s3_bucket.name,
        s3_endpoint_url=s3_bucket.endpoint_url,
        s3_region=REGION,
        s3_access_key_id=ACCESS_KEY_ID,
        s3_secret_access_key=SECRET_ACCESS_KEY,
        s3_prefix=PREFIX,
    )


def test_an_upload_is_stored_in_the_bucket_and_served_back_whole(
    app: FastAPI, s3_bucket: Bucket, tmp_path: Path
) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, form=FORM)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    # Over one part, so the upload route's streaming writer sends a multipart upload.
    pdf = PDF_HEAD + bytes(range(256)) * ((PART_BYTES + 512 * 1024) // 256)
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = "Secret Author"  # Artist
    Image.new("RGB", (40, 30), "teal").save(photo, "JPEG", exif=exif)

    uploaded = []
    for name, data in (("poster.pdf", pdf), ("photo.jpg", photo.getvalue())):
        r = p.post(
            f"/api/entries/{entry['id']}/attachments",
            params={"field": "poster", "filename": name},
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert r.status_code == 201, r.text
        uploaded.append(r.json())
    pdf_file, photo_file = uploaded

    served = p.get(pdf_file["url"])
    assert (served.status_code, served.content == pdf, served.headers["content-length"]) == (
        200,
        True,
        str(len(pdf)),
    )
    # The photo was read back from the bucket to lose its metadata.
    cleaned = p.get(photo_file["url"]).content
    assert b"Secret Author" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).size == (40, 30)
    assert photo_file["size"] == len(cleaned)
    # The PDF went up in two parts, the photo in one put; both under the prefix.
    names = s3_bucket.object_names()
    parts = sorted(
        s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=name)["ETag"]
        .strip('"')
        .partition("-")[2]
        for name in names
    )
    assert (parts, s3_bucket.unfinished_uploads()) == (["", "2"], [])
    assert all(name.startswith(f"{PREFIX}/") for name in names)
    assert list((tmp_path / "uploads").rglob("*")) == []  # nothing on the local disk

    for file in uploaded:
        assert p.delete(file["url"]).status_code == 204
    assert (s3_bucket.object_names(), s3_bucket.unfinished_uploads()) == ([], [])


def test_a_refused_upload_leaves_nothing_in_the_bucket(app: FastAPI, s3_bucket: Bucket) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, form=FORM)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)

    def too_big():
        yield PDF_HEAD
        for _ in range(21 * 16):  # 21 MB offered against a 20 MB limit, in 64 KB pieces
            yield b"0" * 65536

    r = p.post(
        f"/api/entries/{entry['id']}/attachments",
        params={"field": "poster", "filename": "big.pdf"},
        content=too_big(),
        headers={"Content-Type": "application/pdf"},
    )

    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert (s3_bucket.object_names(), s3_bucket.unfinished_uploads()) == ([], [])
