"""Receiving uploads and serving them back.

An upload is streamed to storage while it is hashed and counted; its type comes from its
first bytes, never from its name or the browser's word; photos lose their metadata (GPS,
camera, author) before anyone else can download them. A download is always an attachment,
under a name whose extension matches the content.
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import hashlib
import logging
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO
from urllib.parse import quote

import anyio.to_thread
import filetype
from PIL import Image, ImageOps, ImageSequence, JpegImagePlugin
from starlette.responses import StreamingResponse

from app.core.errors import AppError, NotFound, error_responses
from app.files.kinds import EXTENSIONS, KNOWN_TYPES, describe_types
from app.files.storage import Storage, Writer, seekable_copy

log = logging.getLogger("opencall.files")

HEAD_BYTES = 8192  # what type detection reads; filetype itself looks no further
DOWNLOAD_CHUNK_BYTES = 64 * 1024
MAX_FILENAME_CHARS = 200
# Decoded pixels one image (all frames of an animation together) may have: 50 MP is a
# 200 MB RGBA buffer. Pillow's own guard is set to match for any other code in the process;
# it warns above this and refuses above twice this.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# Types re-encoded to drop metadata, with the Pillow format each is read and written as.
_REENCODED_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_SPOOL_BYTES = 8 * 1024 * 1024  # a re-encoded image is held in memory up to this size
_WEBP_LOSSY_QUALITY = 90
# Unicode categories removed from file names: controls, format characters (bidi overrides,
# zero-width joiners), lone surrogates, and line or paragraph separators.
_UNSAFE_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class FileTooLarge(AppError):
    status_code = 413
    code = "file_too_large"
    message = "This file is larger than the limit for this question."


class UnsupportedFileType(AppError):
    status_code = 415
    code = "unsupported_file_type"
    message = (
        "This file's content is not one of the accepted types. "
        "Its name or extension does not decide its type."
    )


class StorageFull(AppError):
    status_code = 507
    code = "storage_full"
    message = (
        "The server has no room to store this file right now, so nothing was stored. Try "
        "again later; if it keeps happening, tell the call's organisers."
    )


class StorageUnavailable(AppError):
    status_code = 503
    code = "storage_unavailable"
    message = (
        "The server cannot store files right now, so nothing was stored. Try again in a few "
        "minutes; everything else you entered is kept."
    )


def _storage_refused(exc: OSError, field: str | None) -> AppError:
    """The error for a write the disk refused (full, read-only, no permission…): said plainly
    to the person, and logged for the operators with what the system said."""
    log.error("the upload storage refused a write: %s", exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageFull(field=field)
    return StorageUnavailable(field=field, headers={"Retry-After": "60"})


class EmptyFile(AppError):
    status_code = 400
    code = "empty_file"
    message = "This file is empty."


@dataclass
class StoredUpload:
    storage_key: str
    size: int
    sha256: str
    content_type: str
    original_name: str


def clean_filename(name: str | None) -> str:
    """The uploader's file name made safe to store and show: last path component only (both
    "/" and "\\" separate), NFC, without control or format characters (so no right-to-left
    override can disguise "exe" as "gpj"), no leading dots or spaces, at most 200 characters
    with the extension kept; "file" when nothing is left."""
    last = re.split(r"[/\\]", name or "")[-1]
    text = "".join(
        char
        for char in unicodedata.normalize("NFC", last)
        if unicodedata.category(char) not in _UNSAFE_NAME_CATEGORIES
    )
    text = text.strip().lstrip(". ")
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= 20:
            text = stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip() + "." + extension
        else:
            text = text[:MAX_FILENAME_CHARS]
    return text or "file"


def _reads_as_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        # Not final: the head may end inside a multibyte character cut by HEAD_BYTES.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect_type(head: bytes) -> str | None:
    """The content type of a file from its first bytes (magic numbers, via filetype), or
    None when unknown. UTF-8 without NUL bytes is text/plain, including text that happens to
    start with a signature no file kind accepts ("BM…" is not a bitmap, "MZ…" not a program,
    when the rest is text). A zip that is not docx, xlsx or pptx is application/zip."""
    if not head:
        return None
    match = filetype.guess(head)
    if match is not None and match.mime in KNOWN_TYPES:
        return str(match.mime)
    if _reads_as_text(head):
        return "text/plain"
    return str(match.mime) if match is not None else None


def _describe_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _accepted_type(head: bytes, allowed: frozenset[str], field: str | None) -> str:
    content_type = detect_type(head)
    if content_type is None or content_type not in allowed:
        raise UnsupportedFileType(
            f"This file's content is not one of the accepted types ({describe_types(allowed)}). "
            "Its name or extension does not decide its type.",
            field=field,
        )
    return content_type


@asynccontextmanager
async def _writing(storage: Storage, key: str) -> AsyncIterator[Writer]:
    """A storage writer whose commit (flush, fsync, rename) runs in a worker thread."""
    context = storage.writer(key)
    out = context.__enter__()
    try:
        yield out
    except BaseException as exc:
        # Inline, not in a thread: removing the partial file must happen even when the
        # task is being cancelled, and it is quick.
        context.__exit__(type(exc), exc, exc.__traceback__)
        raise
    await anyio.to_thread.run_sync(context.__exit__, None, None, None)


@dataclass
class _Blob:
    key: str
    size: int
    sha256: str


def _store(storage: Storage, source: IO[bytes]) -> _Blob:
    key = storage.new_key()
    digest = hashlib.sha256()
    size = 0
    with storage.writer(key) as out:
        while chunk := source.read(DOWNLOAD_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return _Blob(key, size, digest.hexdigest())


def _webp_is_lossless(head: bytes) -> bool:
    """Whether the first image chunk of a WebP is VP8L (lossless), walking the RIFF chunks."""
    offset = 12
    while offset + 8 <= len(head):
        fourcc = head[offset : offset + 4]
        if fourcc == b"VP8L":
            return True
        if fourcc in (b"VP8 ", b"ALPH", b"ANMF"):
            return False
        length = int.from_bytes(head[offset + 4 : offset + 8], "little")
        offset += 8 + length + (length & 1)
    return False


def _decode(file: BinaryIO, content_type: str, head: bytes) -> tuple[Image.Image, dict[str, Any]]:
    """The picture upright and fully decoded, and the options that re-encode it alike."""
    with Image.open(file, formats=[_REENCODED_FORMATS[content_type]]) as original:
        width, height = original.size
        animated = content_type == "image/webp" and getattr(original, "n_frames", 1) > 1
        frame_count = getattr(original, "n_frames", 1) if animated else 1
        if width * height * frame_count > MAX_IMAGE_PIXELS:
            raise Image.DecompressionBombError(f"{width}x{height}x{frame_count} pixels")
        options: dict[str, Any] = {}
        if isinstance(original, JpegImagePlugin.JpegImageFile) and original.quantization:
            # The original's tables and subsampling: re-encoding costs no visible quality.
            options["qtables"] = original.quantization
            options["subsampling"] = JpegImagePlugin.get_sampling(original)
        elif content_type == "image/png" and "transparency" in original.info:
            options["transparency"] = original.info["transparency"]
        elif content_type == "image/webp":
            if _webp_is_lossless(head):
                options["lossless"] = True
            else:
                options["quality"] = _WEBP_LOSSY_QUALITY
        if not animated:
            return ImageOps.exif_transpose(original), options
        frames, durations = [], []
        for frame in ImageSequence.Iterator(original):
            frames.append(frame.copy())
            durations.append(int(frame.info.get("duration", 0)))
        options |= {
            "save_all": True,
            "append_images": frames[1:],
            "duration": durations,
            "loop": original.info.get("loop", 0),
        }
        return frames[0], options


def _strip_image_metadata(
    storage: Storage, key: str, content_type: str, head: bytes, field: str | None
) -> _Blob:
    """Re-encode a stored JPEG, PNG or WebP without EXIF, XMP, ICC, comments or text chunks,
    upright (EXIF orientation applied), under a new key. Anything Pillow cannot read, or an
    image over MAX_IMAGE_PIXELS, is UnsupportedFileType. Blocking: run it in a thread."""
    with (
        storage.open(key) as stored,
        # Pillow seeks while decoding; an object store's stream cannot.
        seekable_copy(stored, _SPOOL_BYTES) as file,
        tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool,
    ):
        try:
            image, options = _decode(file, content_type, head)
            # Everything metadata lives in info; what rendering needs is in options.
            image.info.clear()
            image.save(spool, format=_REENCODED_FORMATS[content_type], **options)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UnsupportedFileType(
                f"This image has more than {MAX_IMAGE_PIXELS // 1_000_000} million pixels, "
                "more than we can process. Make it smaller and upload it again.",
                field=field,
            ) from exc
        except Exception as exc:
            # Malformed input makes Pillow raise many types (OSError, ValueError,
            # SyntaxError, struct.error…); each means we cannot take this image.
            log.warning("image %s refused: %r", key, exc)
            raise UnsupportedFileType(
                "This file looks like an image but could not be read; it may be damaged. "
                "Export it again and upload the new file.",
                field=field,
            ) from exc
        spool.seek(0)
        return _store(storage, spool)


FLUSH_BYTES = 1024 * 1024
_WRITERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="opencall-upload")


def _hash_and_write(digest: Any, out: Writer, data: bytes) -> None:
    digest.update(data)
    out.write(data)


async def receive_upload(
    storage: Storage,
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    max_bytes: int,
    allowed: frozenset[str],
    field: str | None = None,
    strip_image_metadata: bool = True,
) -> StoredUpload:
    """Stream an upload into storage and describe what was stored.

    The rules: the type comes from the first HEAD_BYTES of content and must be in
    ``allowed`` (else UnsupportedFileType, 415, as soon as those bytes have arrived); the
    upload stops with FileTooLarge (413) the moment it passes ``max_bytes``; an empty file is
    EmptyFile (400); a disk that refuses the write answers StorageFull (507, no room) or
    StorageUnavailable (503, read-only or no permission). Memory holds at most FLUSH_BYTES and
    the head, never the file. On any refusal nothing stays in storage. JPEG, PNG and WebP
    are re-encoded without metadata unless ``strip_image_metadata`` is false; size and
    sha256 then describe the stored result.
    """
    original_name = clean_filename(filename)
    key = storage.new_key()
    digest = hashlib.sha256()
    size = 0
    head = b""
    content_type: str | None = None
    pending = bytearray()
    loop = asyncio.get_running_loop()
    # At most one megabyte is hashed and written in a worker thread while the next one is
    # received: the network and the disk work at the same time, in order.
    inflight: asyncio.Future[None] | None = None
    try:
        async with _writing(storage, key) as out:
            try:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(
                            f"This file is larger than {_describe_size(max_bytes)}, "
                            "the limit for this question.",
                            field=field,
                        )
                    if content_type is None:
                        head += chunk[: HEAD_BYTES - len(head)]
                        if len(head) == HEAD_BYTES:
                            content_type = _accepted_type(head, allowed, field)
                    pending += chunk
                    if len(pending) >= FLUSH_BYTES:
                        if inflight is not None:
                            await inflight
                        inflight = loop.run_in_executor(
                            _WRITERS, _hash_and_write, digest, out, bytes(pending)
                        )
                        pending.clear()
                if inflight is not None:
                    await inflight
                inflight = None
                if pending:
                    await loop.run_in_executor(
                        _WRITERS, _hash_and_write, digest, out, bytes(pending)
                    )
            finally:
                if inflight is not None:
                    # Refused or cancelled mid-stream: let the last write finish before the
                    # partial file is removed.
                    await asyncio.wait([inflight])
            if size == 0:
                raise EmptyFile(field=field)
            if content_type is None:
                content_type = _accepted_type(head, allowed, field)

        if strip_image_metadata and content_type in _REENCODED_FORMATS:
            try:
                blob = await anyio.to_thread.run_sync(
                    _strip_image_metadata, storage, key, content_type, head, field
                )
            finally:
                # Kept or refused, the original with its metadata goes.
                storage.delete(key)
            return StoredUpload(blob.key, blob.size, blob.sha256, content_type, original_name)
    except OSError as exc:  # the disk, not the file: full, read-only, no permission
        raise _storage_refused(exc, field) from exc
    return StoredUpload(key, size, digest.hexdigest(), content_type, original_name)


def download_name(filename: str, content_type: str) -> str:
    """The name a file is served under: cleaned, and ending in an extension of its content
    type (the usual one appended when not: "run.bat" holding text is "run.bat.txt"), since
    the reader's computer chooses the program that opens it by that extension."""
    name = clean_filename(filename)
    extensions = EXTENSIONS.get(content_type)
    if extensions and name.rpartition(".")[2].lower() not in extensions:
        name = f"{name}.{extensions[0]}"
    return name


def _ascii_fallback(name: str) -> str:
    """The name for clients that ignore filename*: accents dropped, other non-ASCII removed,
    and no quote, backslash or percent sign to misparse."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'["\\%]', "_", ascii_name)
    ascii_name = re.sub(r"[^\x20-\x7e]", "", ascii_name)
    stem, dot, extension = ascii_name.rpartition(".")
    if dot and not stem.strip(". "):
        # Nothing of the name survived ("简历.pdf"): keep at least its extension.
        return f"file.{extension.strip()}" if extension.strip() else "file"
    return ascii_name.strip().lstrip(". ") or "file"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact UTF-8 ``filename*`` (RFC 6266)."""
    return (
        f'attachment; filename="{_ascii_fallback(filename)}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


_BINARY = {"schema": {"type": "string", "format": "binary"}}


def file_responses(
    *statuses: int, types: Iterable[str] = KNOWN_TYPES
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route answering a stored file: 200 in the file's own type
    (one of `types`, the types uploads accept), or one of the error statuses."""
    content = {content_type: _BINARY for content_type in sorted(types)}
    return {**error_responses(*statuses), 200: {"description": "The file", "content": content}}


def upload_body(types: Iterable[str] = KNOWN_TYPES) -> dict[str, Any]:
    """OpenAPI `openapi_extra=` for a route reading a file as its raw body; its type is told
    by its content, whatever Content-Type says."""
    content = {content_type: _BINARY for content_type in sorted(types)}
    return {"requestBody": {"required": True, "content": content}}


def download_response(
    storage: Storage, *, storage_key: str, content_type: str, filename: str, size: int
) -> StreamingResponse:
    """Serve a stored file as a download, streamed in 64 KB chunks: always an attachment
    (never rendered by the browser, whatever it contains), never sniffed into another type,
    never cached by a shared cache. A key with no file behind it is NotFound."""
    try:
        file = storage.open(storage_key)
    except FileNotFoundError as exc:
        log.error("stored file missing: %s", storage_key)
        raise NotFound("This file is no longer stored.") from exc

    def chunks() -> Iterator[bytes]:
        with file:
            while chunk := file.read(DOWNLOAD_CHUNK_BYTES):
                yield chunk

    headers = {
        "Content-Disposition": content_disposition(download_name(filename, content_type)),
        "Content-Length": str(size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(chunks(), media_type=content_type, headers=headers)
