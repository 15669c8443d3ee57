"""Files through the API: streamed, limited while streaming, typed by content, private."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi import FastAPI
from PIL import Image

from tests.factories import COMPLETE, anonymous, client_for, make_challenge, start_entry

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 5000
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 5000


def _stored_files(app: FastAPI) -> list[Path]:
    root = Path(app.state.settings.upload_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(
    client, entry_id: int, data: bytes, filename: str = "poster.pdf", field: str = "poster"
):
    return client.post(
        f"/api/entries/{entry_id}/attachments",
        params={"field": field, "filename": filename},
        content=data,
        headers={"Content-Type": "application/octet-stream"},
    )


def test_upload_download_and_remove(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    r = _upload(p, entry["id"], PDF, filename="../../etc/My Poster.pdf")
    assert r.status_code == 201, r.text
    file = r.json()
    assert (file["original_name"], file["content_type"], file["size"], file["field_key"]) == (
        "My Poster.pdf",
        "application/pdf",
        len(PDF),
        "poster",
    )
    assert len(_stored_files(app)) == 1 and "My Poster" not in str(_stored_files(app)[0])
    download = p.get(file["url"])
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert org.get(file["url"]).status_code == 200  # staff of the challenge
    assert client_for(app, "other@example.org").get(file["url"]).status_code == 404
    assert anonymous(app).get(file["url"]).status_code == 401
    assert p.get(f"/api/entries/{entry['id']}").json()["attachments"][0]["id"] == file["id"]
    assert p.delete(file["url"]).status_code == 204
    assert _stored_files(app) == []


def test_a_renamed_program_is_refused_and_nothing_is_kept(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    r = _upload(p, entry["id"], EXE, filename="report.pdf")
    assert r.status_code == 415
    assert (r.json()["error"]["code"], r.json()["error"]["field"]) == (
        "unsupported_file_type",
        "answers.poster",
    )
    assert _stored_files(app) == []
    assert p.get(f"/api/entries/{entry['id']}").json()["attachments"] == []


def test_a_file_over_the_question_limit_is_stopped(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)  # the poster question takes 1 MB
    p = client_for(app, "p@example.org")
    entry = start_entry(p)

    # (That reading stops at the limit is shown on the stream itself in tests/files.)
    def body():
        yield PDF
        for _ in range(40):  # 40 × 64 KB = 2.5 MB offered
            yield b"0" * 65536

    r = p.post(
        f"/api/entries/{entry['id']}/attachments",
        params={"field": "poster", "filename": "big.pdf"},
        content=body(),
        headers={"Content-Type": "application/pdf"},
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert _stored_files(app) == []


def test_files_per_question_and_wrong_questions(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)  # poster: at most 2 files
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    assert _upload(p, entry["id"], PDF).status_code == 201
    assert _upload(p, entry["id"], PDF).status_code == 201
    third = _upload(p, entry["id"], PDF)
    assert third.status_code == 409 and third.json()["error"]["code"] == "too_many_files"
    not_file = _upload(p, entry["id"], PDF, field="idea")
    assert not_file.status_code == 422 and not_file.json()["error"]["field"] == "field"
    assert _upload(client_for(app, "x@example.org"), entry["id"], PDF).status_code == 404
    assert len(_stored_files(app)) == 2


def test_photo_metadata_is_stripped(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    p = client_for(app, "p@example.org")
    entry = start_entry(p)
    image = Image.new("RGB", (40, 30), "teal")
    exif = Image.Exif()
    exif[0x013B] = "Secret Author"  # Artist
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    assert b"Secret Author" in buffer.getvalue()
    r = _upload(p, entry["id"], buffer.getvalue(), filename="photo.jpg")
    assert r.status_code == 201
    stored = p.get(r.json()["url"]).content
    assert b"Secret Author" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_submitted_entries_keep_required_files_and_record_revisions(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(
        org,
        form=[
            {
                "key": "poster",
                "type": "file",
                "label": "Poster",
                "required": True,
                "config": {"accept": ["pdf"], "max_size_mb": 1, "max_files": 1},
            },
            {"key": "consent", "type": "checkbox", "label": "Consent", "required": True},
        ],
    )
    p = client_for(app, "p@example.org")
    entry = start_entry(p, body={**COMPLETE, "answers": {"consent": True}})
    missing = p.post(f"/api/entries/{entry['id']}/submit")
    assert missing.json()["error"]["details"] == [
        {"field": "answers.poster", "message": "is required: upload a file"}
    ]
    file = _upload(p, entry["id"], PDF).json()
    assert p.post(f"/api/entries/{entry['id']}/submit").status_code == 200
    refused = p.delete(file["url"])
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "answers.poster"
    assert len(_stored_files(app)) == 1


def test_cover_image(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    buffer = io.BytesIO()
    Image.new("RGB", (80, 40), "orange").save(buffer, "PNG")
    r = org.put(
        "/api/challenges/hiv-testing/cover",
        params={"filename": "cover.png"},
        content=buffer.getvalue(),
    )
    assert r.status_code == 200, r.text
    url = r.json()["cover_url"]
    image = anonymous(app).get(url)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    pdf = org.put("/api/challenges/hiv-testing/cover", params={"filename": "c.pdf"}, content=PDF)
    assert pdf.status_code == 415
    assert (
        client_for(app, "x@example.org")
        .put("/api/challenges/hiv-testing/cover", content=buffer.getvalue())
        .status_code
        == 403
    )
