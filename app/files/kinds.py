"""The kinds of file an organiser can accept on a form field, as detected content types.

A type here is what the file's bytes say it is (see ``upload.detect_type``), never what its
name or the browser claims.
"""

from __future__ import annotations

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# The names are filetype's: it reports WAV as audio/x-wav and M4A as audio/mp4.
FILE_KINDS: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "image": frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    "word": frozenset({DOCX, "application/msword"}),
    "spreadsheet": frozenset({XLSX}),
    "presentation": frozenset({PPTX}),
    "text": frozenset({"text/plain"}),
    "audio": frozenset({"audio/mpeg", "audio/ogg", "audio/x-wav", "audio/mp4"}),
    "video": frozenset({"video/mp4", "video/quicktime", "video/webm"}),
}

KIND_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "image": "image",
    "word": "Word document",
    "spreadsheet": "spreadsheet",
    "presentation": "presentation",
    "text": "plain text",
    "audio": "audio",
    "video": "video",
}

# Every type some kind accepts.
KNOWN_TYPES: frozenset[str] = frozenset().union(*FILE_KINDS.values())

# Extensions a downloaded file may carry for each type, the usual one first. The operating
# system picks the program that opens a download by its extension, so a served name must
# not claim a different type than the content (a text file named run.bat).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/webp": ("webp",),
    "image/gif": ("gif",),
    DOCX: ("docx",),
    "application/msword": ("doc",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    "text/plain": ("txt", "text", "csv", "tsv", "md"),
    "audio/mpeg": ("mp3",),
    "audio/ogg": ("ogg", "oga", "opus"),
    "audio/x-wav": ("wav",),
    "audio/mp4": ("m4a",),
    "video/mp4": ("mp4", "m4v"),
    "video/quicktime": ("mov",),
    "video/webm": ("webm",),
}


def allowed_types(kinds: list[str]) -> frozenset[str]:
    """The content types a field accepting these kinds lets through; an unknown kind is a
    ValueError naming it (no kinds: nothing is accepted)."""
    unknown = [kind for kind in kinds if kind not in FILE_KINDS]
    if unknown:
        raise ValueError(f"unknown file kind {unknown[0]!r}; the kinds are {', '.join(FILE_KINDS)}")
    return frozenset().union(*(FILE_KINDS[kind] for kind in kinds))


def describe_types(types: frozenset[str]) -> str:
    """The kinds these types belong to, in words for a message: "PDF, image"."""
    labels = [KIND_LABELS[kind] for kind, members in FILE_KINDS.items() if members & types]
    return ", ".join(labels) or "none"
