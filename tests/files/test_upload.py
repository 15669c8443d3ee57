"""Uploads: type by content, size limit while streaming, metadata stripped from photos,
nothing left behind on refusal, safe file names, and downloads that are always attachments."""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import ExifTags, Image, PngImagePlugin
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from app.core.errors import NotFound
from app.files.kinds import DOCX, PPTX, XLSX, allowed_types
from app.files.storage import LocalStorage
from app.files.upload import (
    HEAD_BYTES,
    EmptyFile,
    FileTooLarge,
    StoredUpload,
    UnsupportedFileType,
    clean_filename,
    detect_type,
    download_response,
    receive_upload,
)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 20_000
IMAGES = allowed_types(["image"])
PDF_OR_IMAGE = allowed_types(["pdf", "image"])
MB = 1024 * 1024


async def _stream(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def upload(
    storage: LocalStorage,
    chunks: Iterable[bytes],
    *,
    filename: str | None = "upload.bin",
    max_bytes: int = 5 * MB,
    allowed: frozenset[str] = PDF_OR_IMAGE,
) -> StoredUpload:
    return asyncio.run(
        receive_upload(
            storage,
            _stream(chunks),
            filename=filename,
            max_bytes=max_bytes,
            allowed=allowed,
            field="attachment",
        )
    )


def split(data: bytes, size: int = 1000) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def files_under(root: Path) -> list[str]:
    """Every file below the root, temporary ones included."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def stored_bytes(storage: LocalStorage, key: str) -> bytes:
    with storage.open(key) as file:
        return file.read()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


# Accepting and refusing by content


def test_a_pdf_is_stored_whole_with_its_size_and_sha256(storage: LocalStorage) -> None:
    stored = upload(storage, split(PDF), filename="C:\\Users\\a\\Report 2024.pdf")

    assert stored == StoredUpload(
        storage_key=stored.storage_key,
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        content_type="application/pdf",
        original_name="Report 2024.pdf",
    )
    assert stored_bytes(storage, stored.storage_key) == PDF
    assert files_under(storage.root) == [stored.storage_key]


def test_a_program_named_pdf_is_refused_and_nothing_is_kept(storage: LocalStorage) -> None:
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 20_000

    with pytest.raises(UnsupportedFileType) as refused:
        upload(storage, split(program), filename="report.pdf")

    assert (refused.value.status_code, refused.value.code, refused.value.field) == (
        415,
        "unsupported_file_type",
        "attachment",
    )
    assert refused.value.message == (
        "This file's content is not one of the accepted types (PDF, image). "
        "Its name or extension does not decide its type."
    )
    assert files_under(storage.root) == []


def test_a_refused_type_stops_reading_once_the_head_has_arrived(storage: LocalStorage) -> None:
    consumed = []

    def endless_program() -> Iterator[bytes]:
        yield b"MZ" + b"\x00" * 1022
        while True:
            consumed.append(1)
            yield b"\x00" * 1024

    with pytest.raises(UnsupportedFileType):
        upload(storage, endless_program(), max_bytes=10**12)

    # The first chunk plus those consumed make up exactly the head, and reading stopped there.
    assert len(consumed) + 1 == HEAD_BYTES // 1024
    assert files_under(storage.root) == []


def test_a_file_over_the_limit_is_refused_as_soon_as_it_passes(storage: LocalStorage) -> None:
    consumed = []

    def endless_pdf() -> Iterator[bytes]:
        while True:
            consumed.append(1)
            yield PDF[:1024]

    with pytest.raises(FileTooLarge) as refused:
        upload(storage, endless_pdf(), max_bytes=10 * 1024)

    assert len(consumed) == 11  # the eleventh KB is the first byte over 10 KB
    assert (refused.value.status_code, refused.value.code, refused.value.message) == (
        413,
        "file_too_large",
        "This file is larger than 10 KB, the limit for this question.",
    )
    assert files_under(storage.root) == []


def test_a_file_exactly_at_the_limit_is_accepted(storage: LocalStorage) -> None:
    stored = upload(storage, split(PDF), max_bytes=len(PDF))

    assert stored.size == len(PDF)


def test_the_limit_is_named_in_megabytes(storage: LocalStorage) -> None:
    with pytest.raises(FileTooLarge) as refused:
        upload(storage, [PDF[:1024]] * (5 * 1024 + 1), max_bytes=5 * MB)

    assert refused.value.message == "This file is larger than 5 MB, the limit for this question."


@pytest.mark.parametrize("chunks", [[], [b""], [b"", b""]])
def test_an_empty_file_is_refused(storage: LocalStorage, chunks: list[bytes]) -> None:
    with pytest.raises(EmptyFile) as refused:
        upload(storage, chunks)

    assert (refused.value.status_code, refused.value.code, refused.value.message) == (
        400,
        "empty_file",
        "This file is empty.",
    )
    assert files_under(storage.root) == []


def test_a_short_text_file_is_plain_text(storage: LocalStorage) -> None:
    text = "Körpermasseindex, données, 体重\n".encode()

    stored = upload(storage, [text], filename="notes.txt", allowed=allowed_types(["text"]))

    assert (stored.content_type, stored.size) == ("text/plain", len(text))


# Detecting types


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF, "application/pdf"),
        (_zip("[Content_Types].xml", "_rels/.rels", "word/document.xml"), DOCX),
        (_zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), XLSX),
        (_zip("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml"), PPTX),
        (_zip("data.csv", "readme.txt"), "application/zip"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "application/x-msdownload"),
        (b"BMI was measured at baseline.\n", "text/plain"),
        (b"MZ Smith, notes\n", "text/plain"),
        ("Prévalence ".encode() + "é".encode()[:1], "text/plain"),
        (b"caf\xe9 au lait", None),
        (b"\x01\x02\x00\x03", None),
        (b"", None),
    ],
)
def test_detect_type_reads_the_content(head: bytes, expected: str | None) -> None:
    assert detect_type(head[:HEAD_BYTES]) == expected


def test_allowed_types_unites_kinds_and_names_an_unknown_one() -> None:
    assert allowed_types(["pdf", "text"]) == frozenset({"application/pdf", "text/plain"})
    assert allowed_types([]) == frozenset()
    with pytest.raises(ValueError) as unknown:
        allowed_types(["pdf", "executable"])
    assert str(unknown.value) == (
        "unknown file kind 'executable'; the kinds are "
        "pdf, image, word, spreadsheet, presentation, text, audio, video"
    )


# Photos lose their metadata


def _jpeg(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 2))
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Alice Example"
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.0),
    }
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        exif=exif,
        xmp=b"<x:xmpmeta><dc:creator>Alice Example</dc:creator></x:xmpmeta>",
        icc_profile=b"icc profile by Alice Example",
        comment=b"Alice Example",
        quality=90,
    )
    return buffer.getvalue()


def test_a_photo_loses_gps_author_and_other_metadata(storage: LocalStorage) -> None:
    photo = _jpeg()
    with Image.open(io.BytesIO(photo)) as original:
        # The input really carries what must go.
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
        assert {"exif", "xmp", "icc_profile", "comment"} <= set(original.info)
    assert photo.count(b"Alice Example") == 4  # EXIF, XMP, ICC, comment

    stored = upload(storage, split(photo), filename="IMG_0001.jpg", allowed=IMAGES)

    data = stored_bytes(storage, stored.storage_key)
    with Image.open(io.BytesIO(data)) as cleaned:
        assert dict(cleaned.getexif()) == {}
        assert set(cleaned.info) & {"exif", "xmp", "icc_profile", "comment"} == set()
        assert (cleaned.format, cleaned.size) == ("JPEG", (64, 32))
        assert cleaned.getpixel((48, 24)) == pytest.approx((200, 30, 30), abs=8)
    assert b"Alice Example" not in data
    assert b"PhoneMaker" not in data
    assert stored == StoredUpload(
        storage_key=stored.storage_key,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type="image/jpeg",
        original_name="IMG_0001.jpg",
    )
    # Only the cleaned copy remains.
    assert files_under(storage.root) == [stored.storage_key]


def test_a_rotated_photo_is_stored_upright(storage: LocalStorage) -> None:
    # Orientation 6: the camera was turned; viewers rotate the stored 64x32 by 90 degrees.
    stored = upload(storage, [_jpeg(orientation=6)], allowed=IMAGES)

    with Image.open(storage.open(stored.storage_key)) as cleaned:
        assert (cleaned.size, dict(cleaned.getexif())) == ((32, 64), {})


def test_a_png_loses_its_text_chunks_and_keeps_its_pixels(storage: LocalStorage) -> None:
    image = Image.new("RGBA", (20, 10), (10, 120, 200, 128))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Alice Example")
    text.add_itxt("Comment", "Taken at 12 Rue Exemple", zip=True)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=text)
    assert b"tEXtAuthor" in buffer.getvalue()

    stored = upload(storage, [buffer.getvalue()], allowed=IMAGES)

    data = stored_bytes(storage, stored.storage_key)
    with Image.open(io.BytesIO(data)) as cleaned:
        assert isinstance(cleaned, PngImagePlugin.PngImageFile)
        assert (cleaned.text, cleaned.mode, cleaned.size) == ({}, "RGBA", (20, 10))
        assert cleaned.tobytes() == image.tobytes()
    assert b"Alice Example" not in data
    assert b"tEXt" not in data


def test_a_palette_png_keeps_its_transparency(storage: LocalStorage) -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 255, 255, 0, 0, 0])
    image.paste(1, (2, 2, 6, 6))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)

    stored = upload(storage, [buffer.getvalue()], allowed=IMAGES)

    with Image.open(storage.open(stored.storage_key)) as cleaned:
        assert (cleaned.mode, cleaned.info) == ("P", {"transparency": 0})
        assert cleaned.tobytes() == image.tobytes()


def test_an_animated_webp_keeps_its_frames_and_timing(storage: LocalStorage) -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Alice Example"
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        exif=exif,
        lossless=True,
    )
    assert b"Alice Example" in buffer.getvalue()

    stored = upload(storage, [buffer.getvalue()], allowed=IMAGES)

    data = stored_bytes(storage, stored.storage_key)
    assert b"Alice Example" not in data
    with Image.open(io.BytesIO(data)) as cleaned:
        durations = []
        for index in range(getattr(cleaned, "n_frames", 1)):
            cleaned.seek(index)
            cleaned.load()
            durations.append(cleaned.info["duration"])
        assert (durations, "exif" in cleaned.info) == ([100, 200, 300], False)


def test_metadata_is_kept_when_the_field_asks_for_the_original(storage: LocalStorage) -> None:
    photo = _jpeg()

    stored = asyncio.run(
        receive_upload(
            storage,
            _stream([photo]),
            filename="scan.jpg",
            max_bytes=MB,
            allowed=IMAGES,
            strip_image_metadata=False,
        )
    )

    assert stored_bytes(storage, stored.storage_key) == photo
    assert (stored.size, stored.sha256) == (len(photo), hashlib.sha256(photo).hexdigest())


def _png_header(width: int, height: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [8_000, 40_000])  # 64 MP (over our limit), 1.6 GP (Pillow's)
def test_a_decompression_bomb_is_refused_cleanly(storage: LocalStorage, side: int) -> None:
    with pytest.raises(UnsupportedFileType) as refused:
        upload(storage, [_png_header(side, side)], allowed=IMAGES)

    assert refused.value.message == (
        "This image has more than 50 million pixels, more than we can process. "
        "Make it smaller and upload it again."
    )
    assert files_under(storage.root) == []


def test_a_damaged_photo_is_refused_cleanly(storage: LocalStorage) -> None:
    photo = _jpeg(size=(400, 300))

    with pytest.raises(UnsupportedFileType) as refused:
        upload(storage, [photo[: len(photo) // 2]], allowed=IMAGES)

    assert refused.value.message == (
        "This file looks like an image but could not be read; it may be damaged. "
        "Export it again and upload the new file."
    )
    assert files_under(storage.root) == []


# File names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\a\\CV.pdf", "CV.pdf"),
        ("\u202egpj.exe", "gpj.exe"),
        ("", "file"),
        (None, "file"),
        ("...hidden", "hidden"),
        ("  .. ", "file"),
        ("report\r\nSet-Cookie: a=b.pdf", "reportSet-Cookie: a=b.pdf"),
        ("Zoe\u0308 CV.pdf", "Zoë CV.pdf"),
        ("a" * 500 + ".pdf", "a" * 196 + ".pdf"),
        ("b" * 500, "b" * 200),
    ],
)
def test_clean_filename(name: str | None, expected: str) -> None:
    assert clean_filename(name) == expected


# Downloads


def _download(storage: LocalStorage, key: str, content_type: str, filename: str) -> httpx.Response:
    size = storage.size(key)

    def serve(request: Request) -> Response:
        return download_response(
            storage, storage_key=key, content_type=content_type, filename=filename, size=size
        )

    with TestClient(Starlette(routes=[Route("/file", serve)])) as client:
        response = client.get("/file")
    return response


def test_a_download_is_an_attachment_with_both_name_forms(storage: LocalStorage) -> None:
    stored = upload(storage, split(PDF * 10, 50_000), filename="Zoë CV.pdf")

    response = _download(storage, stored.storage_key, stored.content_type, "Zoë CV.pdf")

    assert response.status_code == 200
    assert dict(response.headers) == {
        "content-disposition": (
            "attachment; filename=\"Zoe CV.pdf\"; filename*=UTF-8''Zo%C3%AB%20CV.pdf"
        ),
        "content-length": str(len(PDF * 10)),
        "content-type": "application/pdf",
        "x-content-type-options": "nosniff",
        "cache-control": "private, no-store",
    }
    assert response.content == PDF * 10


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("简历.pdf", "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E7%AE%80%E5%8E%86.pdf"),
        (
            'say "hi" 100%.pdf',
            'attachment; filename="say _hi_ 100_.pdf"; '
            "filename*=UTF-8''say%20%22hi%22%20100%25.pdf",
        ),
        ("report.PDF", "attachment; filename=\"report.PDF\"; filename*=UTF-8''report.PDF"),
        # The name claims another type than the content: the content's extension is added.
        (
            "invoice.exe",
            "attachment; filename=\"invoice.exe.pdf\"; filename*=UTF-8''invoice.exe.pdf",
        ),
    ],
)
def test_a_download_name_is_safe_in_every_client(
    storage: LocalStorage, name: str, disposition: str
) -> None:
    stored = upload(storage, [PDF])

    response = _download(storage, stored.storage_key, "application/pdf", name)

    assert response.headers["content-disposition"] == disposition


def test_a_text_file_named_as_a_script_is_served_as_text(storage: LocalStorage) -> None:
    script = b"@echo off\r\ndel /q C:\\data\r\n"
    stored = upload(storage, [script], filename="run.bat", allowed=allowed_types(["text"]))

    response = _download(storage, stored.storage_key, stored.content_type, stored.original_name)

    assert (response.headers["content-type"], response.headers["content-disposition"]) == (
        "text/plain; charset=utf-8",
        "attachment; filename=\"run.bat.txt\"; filename*=UTF-8''run.bat.txt",
    )
    assert response.content == script


def test_a_missing_file_is_not_found(storage: LocalStorage) -> None:
    with pytest.raises(NotFound):
        download_response(
            storage,
            storage_key=storage.new_key(),
            content_type="application/pdf",
            filename="gone.pdf",
            size=10,
        )
