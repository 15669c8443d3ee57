"""Copies of entrants' files for judges in a blind round, without the document metadata that
names or locates their authors.

Each cleaner keeps the content exactly and removes only what describes the file: the PDF
information dictionary and XMP streams, Office document properties and the names on
comments and tracked changes, image EXIF/XMP/IPTC and text chunks, audio and video tags.
Images, audio and video are cleaned structurally, never re-encoded (pixels and samples stay
bit for bit, animation stays, cleaning twice changes nothing); in MP4 and WAV the removed
boxes and chunks keep their size, so no offset in the file moves. The only re-encoding is a
JPEG, PNG or WebP whose EXIF turns it: dropping the EXIF would show it on its side, so it is
turned upright and re-encoded, as at upload. What is visibly in the content (a name typed on
the first page, a face in a photo) stays: a judge would see it in any copy.

Everything here is blocking and holds the file in memory: call it from a worker thread.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable
from urllib.parse import unquote
from xml.etree import ElementTree
from xml.parsers import expat
from xml.sax.saxutils import escape, unescape

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
)

from app.files.kinds import DOCX, PPTX, XLSX
from app.files.upload import HEAD_BYTES, _decode

_OOXML = frozenset({DOCX, XLSX, PPTX})
_IMAGE_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
_ISO_MEDIA = frozenset({"video/mp4", "video/quicktime", "audio/mp4"})

CLEANABLE: frozenset[str] = frozenset(
    {"application/pdf", "text/plain", "audio/mpeg", "audio/x-wav"}
    | _OOXML
    | _IMAGE_FORMATS.keys()
    | _ISO_MEDIA
)

_LABELS = {
    "application/pdf": "PDF",
    DOCX: "Word document",
    XLSX: "spreadsheet",
    PPTX: "presentation",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/webp": "WebP image",
    "image/gif": "GIF image",
    "audio/mpeg": "MP3 file",
    "audio/x-wav": "WAV file",
    "audio/mp4": "audio file",
    "video/mp4": "MP4 video",
    "video/quicktime": "QuickTime video",
}
_WITHHELD = {
    "application/msword": "This Word 97–2003 (.doc) file",
    "audio/ogg": "This Ogg audio file",
    "video/webm": "This WebM video",
}
_ASK_ORGANISERS = "the organisers can send you a cleaned copy."


class CannotClean(ValueError):
    """This file cannot be given to a judge without its identifying metadata: a type no
    cleaner handles, or content a cleaner cannot read. The message is for the judge."""


class _Malformed(Exception):
    """A structure walker met something it does not understand."""


def withheld_reason(content_type: str) -> str | None:
    """None when a cleaned copy of this type can go to a judge in a blind round; otherwise
    the sentence telling the judge why the file is withheld."""
    if content_type in CLEANABLE:
        return None
    subject = _WITHHELD.get(content_type, "This file")
    return f"{subject} can carry its author's name, which OpenCall cannot remove; {_ASK_ORGANISERS}"


def _unreadable(content_type: str) -> CannotClean:
    label = _LABELS.get(content_type, "file")
    return CannotClean(
        f"OpenCall could not read this {label} to remove the details that could name its "
        f"author; it may be damaged. {_ASK_ORGANISERS.capitalize()}"
    )


def clean_for_judges(content_type: str, data: bytes) -> bytes:
    """The same document without the metadata that could identify its author (see the module
    docstring for what goes). CannotClean when the type is not in CLEANABLE or the content
    cannot be read as that type. Cleaning a cleaned file returns it unchanged."""
    if content_type not in CLEANABLE:
        raise CannotClean(withheld_reason(content_type))
    if content_type == "text/plain":
        return data
    try:
        if content_type == "application/pdf":
            return _clean_pdf(data)
        if content_type in _OOXML:
            return _clean_ooxml(data)
        if content_type in _IMAGE_FORMATS:
            return _clean_image(content_type, data)
        if content_type == "audio/mpeg":
            return _clean_mp3(data)
        if content_type == "audio/x-wav":
            return _clean_wav(data)
        return _clean_iso_media(data)
    except CannotClean:
        raise
    except Exception as exc:
        # Malformed input makes the parsers raise many types (PdfReadError, BadZipFile,
        # struct.error, KeyError, RecursionError…); each means we cannot vouch for a copy.
        raise _unreadable(content_type) from exc


# PDF ----------------------------------------------------------------------------------------

# Markup annotations, whose /T is by convention the name of whoever added them (on a form
# field's widget /T is the field's name and must stay).
_PDF_MARKUP = frozenset(
    {
        "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
        "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
        "/FileAttachment", "/Sound", "/Redact", "/Popup",
    }
)  # fmt: skip


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _scrub_pdf(root: DictionaryObject) -> None:
    """Remove, from every object reachable from the catalog, the XMP streams (/Metadata on
    the catalog, pages, images, fonts…), application private data (/PieceInfo), the author
    of each markup annotation, and the signer's data of signature fields. The reader caches
    the objects it resolved, so the clone made next takes them as changed here."""
    for key in ("/Perms", "/DSS"):  # signature permissions and certificates
        root.pop(key, None)
    stack: list[PdfObject] = [root]
    seen: set[tuple[int, int]] = set()
    while stack:
        item: PdfObject | None = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            item.pop("/Metadata", None)
            item.pop("/PieceInfo", None)
            if _resolved(item.get("/Subtype")) in _PDF_MARKUP:
                item.pop("/T", None)
            if _resolved(item.get("/FT")) == "/Sig":
                item.pop("/V", None)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


# Page attributes a page may inherit from the page-tree nodes above it.
_PDF_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def _flatten_page_tree(reader: PdfReader) -> None:
    """Hang every page directly under the root page-tree node, with what it inherited copied
    onto it. pypdf's clone flattens the tree too, but after copying it, so the intermediate
    nodes would stay in the file as unused objects and a second cleaning would differ."""
    root_node = reader.root_object.raw_get("/Pages")
    tree = root_node.get_object()
    kids: list[IndirectObject] = []
    nodes: list[DictionaryObject] = []
    for page in reader.pages:
        node = _resolved(page.indirect_reference)  # the cached object the clone copies
        if page.indirect_reference is None or not isinstance(node, DictionaryObject):
            return  # a malformed tree: leave it to pypdf
        for key in _PDF_INHERITED:
            if key in page and key not in node:
                node[NameObject(key)] = page.raw_get(key)
        kids.append(page.indirect_reference)
        nodes.append(node)
    if not isinstance(root_node, IndirectObject) or not isinstance(tree, DictionaryObject):
        return
    for node in nodes:
        node[NameObject("/Parent")] = root_node
    tree[NameObject("/Kids")] = ArrayObject(kids)
    tree[NameObject("/Count")] = NumberObject(len(kids))


def _clean_pdf(data: bytes) -> bytes:
    """The PDF rewritten whole (earlier incremental revisions, which keep old metadata, are
    not carried over) without its information dictionary, XMP, private data, annotation
    authors and signatures. An encrypted PDF that opens without a password comes out
    unencrypted; one that needs a password cannot be cleaned. pypdf writes no object
    streams, so a PDF that used them comes out somewhat larger."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise CannotClean(
            "This PDF is protected by a password, so OpenCall cannot remove the details that "
            f"could name its author; {_ASK_ORGANISERS}"
        )
    # Dropped before cloning, so that neither the dictionary nor the strings it points to
    # are copied into the new file.
    reader.trailer.pop("/Info", None)
    _flatten_page_tree(reader)
    _scrub_pdf(reader.root_object)
    writer = PdfWriter(clone_from=reader, keep_initial_header=True)
    writer.metadata = None  # and pypdf adds no /Producer of its own
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Office (OOXML) -----------------------------------------------------------------------------

_NAME = r"[^\W\d][\w.-]*"
_ATTRIBUTE = re.compile(rf"(\s+)(?:({_NAME}):)?({_NAME})(\s*=\s*)(\"[^\"]*\"|'[^']*')")
_ATTRIBUTES = r"(?:\s+[^\s=<>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
_TAG = re.compile(rf"<(?:({_NAME}):)?({_NAME})({_ATTRIBUTES})(\s*/?>)")
_MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # all members of one package together
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # what Office itself writes
_NEUTRAL_AUTHOR = "Author"

# Attributes that hold a person's name or account, on any element of any part: w:author and
# w:initials (comments, tracked changes, people.xml), userId and providerId (Word's and
# PowerPoint's presence info, Excel's persons), userName (Excel shared-workbook revisions and
# file reservation). The replacements are what a local account named "Author" would write.
_PERSON_ATTRIBUTES = {
    "author": _NEUTRAL_AUTHOR,
    "initials": "A",
    "userId": _NEUTRAL_AUTHOR,
    "providerId": "None",
    "userName": _NEUTRAL_AUTHOR,
}
# (element, attribute) pairs whose value names someone or their folders: PowerPoint comment
# authors (commentAuthors.xml, authors.xml), Excel persons and revision users, and the folder
# Excel records the workbook was saved in (x15ac:absPath).
_PERSON_ELEMENT_ATTRIBUTES = {
    ("cmAuthor", "name"): _NEUTRAL_AUTHOR,
    ("author", "name"): _NEUTRAL_AUTHOR,
    ("person", "displayName"): _NEUTRAL_AUTHOR,
    ("userInfo", "name"): _NEUTRAL_AUTHOR,
    ("absPath", "url"): "",
}
# Where one of the attributes above may be: only the tags around these places are parsed,
# which matters on a document.xml of many megabytes.
_PERSON_ATTRIBUTE_HINT = re.compile(
    r"\s(?:[\w.-]+:)?(?:"
    + "|".join(sorted({*_PERSON_ATTRIBUTES, *(name for _, name in _PERSON_ELEMENT_ATTRIBUTES)}))
    + r")\s*="
)
# A part is rewritten only when it mentions one of these (a cheap test on large sheets).
_PERSON_MARKERS = tuple(_PERSON_ATTRIBUTES) + tuple(
    element for element, _ in _PERSON_ELEMENT_ATTRIBUTES
)

_CORE_EMPTIED = (
    "creator", "lastModifiedBy", "title", "subject", "keywords", "description", "category",
    "identifier",
)  # fmt: skip
_APP_EMPTIED = ("Company", "Manager", "HyperlinkBase")
_REL_TYPE_ENDINGS = {
    "core": "/metadata/core-properties",
    "app": "/extended-properties",
    "custom": "/custom-properties",
    "labels": "/classificationlabels",  # sensitivity labels, naming the author's organisation
}
_DROPPED_PARTS = frozenset({"docProps/custom.xml", "docMetadata/LabelInfo.xml"})
_ATTACHED_TEMPLATE = "/attachedTemplate"


def _attributes(source: str) -> dict[str, str]:
    return {
        match.group(3): unescape(match.group(5)[1:-1], {"&quot;": '"', "&apos;": "'"})
        for match in _ATTRIBUTE.finditer(source)
    }


def _set_attributes(tag: re.Match[str], values: Callable[[str, str], str | None]) -> str:
    """The start tag with each attribute for which values(element, attribute) is not None
    given that value; prefixes, quoting and spacing stay as they were."""
    element = tag.group(2)

    def replace(attribute: re.Match[str]) -> str:
        value = values(element, attribute.group(3))
        if value is None:
            return attribute.group(0)
        quote = attribute.group(5)[0]
        escaped = escape(value, {'"': "&quot;"}) if quote == '"' else escape(value, {"'": "&apos;"})
        start = attribute.group(0)[: -len(attribute.group(5))]
        return f"{start}{quote}{escaped}{quote}"

    whole, start, end = tag.group(0), tag.start(3) - tag.start(0), tag.end(3) - tag.start(0)
    return whole[:start] + _ATTRIBUTE.sub(replace, whole[start:end]) + whole[end:]


def _neutral_person(element: str, attribute: str) -> str | None:
    if (element, attribute) in _PERSON_ELEMENT_ATTRIBUTES:
        return _PERSON_ELEMENT_ATTRIBUTES[(element, attribute)]
    return _PERSON_ATTRIBUTES.get(attribute)


def _neutral_people(xml: str) -> str:
    pieces: list[str] = []
    done = 0
    for hit in _PERSON_ATTRIBUTE_HINT.finditer(xml):
        start = xml.rfind("<", 0, hit.start())
        if start < done:
            continue  # in a tag already rewritten
        tag = _TAG.match(xml, start)
        if tag is None or tag.end() <= hit.start():
            continue  # in text, a comment or an end tag, not among a tag's attributes
        pieces += [xml[done:start], _set_attributes(tag, _neutral_person)]
        done = tag.end()
    pieces.append(xml[done:])
    return "".join(pieces)


def _set_element_texts(xml: str, names: tuple[str, ...], text: str) -> str:
    """Each element with one of these local names (any prefix) and any content given ``text``
    as its whole content; empty ones (<dc:title/>) stay empty."""
    pattern = re.compile(
        rf"(<((?:{_NAME}:)?(?:{'|'.join(names)}))(?=[\s/>]){_ATTRIBUTES}\s*>)(.+?)(</\2\s*>)",
        re.DOTALL,
    )
    return pattern.sub(lambda match: match.group(1) + text + match.group(4), xml)


_EXCEL_AUTHOR = re.compile(rf"<((?:{_NAME}:)?author)(?=[\s>]){_ATTRIBUTES}\s*>([^<]*)</\1\s*>")


def _nameless_excel_comments(xml: str) -> str:
    """Excel's legacy comments list their authors as <author>Name</author>, referred to by
    position, so each is renamed and none removed; and Excel starts each comment's text
    with its author's name in bold ("Name:"), which is renamed too."""
    for match in _EXCEL_AUTHOR.finditer(xml):
        name = match.group(2)
        if name and name != _NEUTRAL_AUTHOR:
            xml = xml.replace(f">{name}:", f">{_NEUTRAL_AUTHOR}:")
    return _set_element_texts(xml, ("author",), _NEUTRAL_AUTHOR)


def _local_target(target: str) -> bool:
    """Whether an external link points into someone's file system (whose paths carry their
    user name): file: URLs, drive letters, UNC shares, absolute paths."""
    return bool(re.match(r"(?i)file:|[a-z]:[\\/]|\\\\|/", target))


def _rels_without_paths(xml: str) -> str:
    """Each external relationship to a local file, and the attached template wherever it is
    (a OneDrive address names its owner), reduced to the file's own name."""

    def rewrite(tag: re.Match[str]) -> str:
        if tag.group(2) != "Relationship":
            return tag.group(0)
        attributes = _attributes(tag.group(3))
        target = attributes.get("Target", "")
        if attributes.get("TargetMode") != "External" or not (
            _local_target(target) or attributes.get("Type", "").endswith(_ATTACHED_TEMPLATE)
        ):
            return tag.group(0)
        name = re.split(r"[\\/]", unquote(target))[-1]
        return _set_attributes(tag, lambda _, attribute: name if attribute == "Target" else None)

    return _TAG.sub(rewrite, xml)


def _without_elements(xml: str, element: str, attribute: str, values: frozenset[str]) -> str:
    """The XML without the empty ``element``s whose ``attribute``, as a part name, is one of
    ``values``: the relationships and content-type overrides of dropped parts."""
    pattern = re.compile(rf"<((?:{_NAME}:)?{element})({_ATTRIBUTES})\s*(?:/>|>\s*</\1\s*>)")

    def keep(match: re.Match[str]) -> str:
        value = _attributes(match.group(2)).get(attribute, "")
        return "" if _part_name(value) in values else match.group(0)

    return pattern.sub(keep, xml)


def _part_name(target: str, base: str = "") -> str:
    """A relationship target or content-type part name as a zip member name."""
    path = unquote(target)
    path = path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
    return posixpath.normpath(path)


def _refuse_doctype(*_: object) -> None:
    # Office never writes a document type; refusing one rules out entity expansion attacks.
    raise _Malformed("an OOXML part declares a document type")


def _check_well_formed(content: bytes) -> None:
    """Expat reads the part through without building a tree; malformed XML raises."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.Parse(content, True)


def _parse_xml(content: bytes) -> ElementTree.Element:
    _check_well_formed(content)
    return ElementTree.fromstring(content)  # noqa: S314 (checked: no DTD, no entities)


def _decode_xml(content: bytes) -> tuple[str, str]:
    encoding = "utf-16" if content[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    return content.decode(encoding), encoding


def _package_parts(rels: ElementTree.Element) -> dict[str, set[str]]:
    """The parts the package relationships name for each of _REL_TYPE_ENDINGS."""
    parts: dict[str, set[str]] = {role: set() for role in _REL_TYPE_ENDINGS}
    for relationship in rels:
        kind = relationship.get("Type", "")
        for role, ending in _REL_TYPE_ENDINGS.items():
            if kind.endswith(ending) and relationship.get("TargetMode") != "External":
                parts[role].add(_part_name(relationship.get("Target", "")))
    return parts


def _clean_ooxml(data: bytes) -> bytes:
    """The package with its core and extended properties emptied of names, its custom
    properties and sensitivity labels dropped (with their relationship and content-type
    entries), every comment and tracked-change author and Excel/PowerPoint person renamed
    "Author", and local paths in external links cut to the file name. Every other part is
    copied unchanged, in the same order; zip comments and timestamps go."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = source.infolist()
        names = [member.filename for member in members]
        if len(set(names)) != len(names):
            # Which of two same-named parts an application reads is not defined.
            raise _Malformed("duplicate zip member")
        if "_rels/.rels" not in names or "[Content_Types].xml" not in names:
            raise _Malformed("not an Open XML package")
        parts = _package_parts(_parse_xml(source.read("_rels/.rels")))
        core = parts["core"] | {"docProps/core.xml"}
        app = parts["app"] | {"docProps/app.xml"}
        dropped = parts["custom"] | parts["labels"] | _DROPPED_PARTS
        dropped |= {
            posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
            for part in dropped
        }
        budget = _MAX_UNZIPPED_BYTES
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for member in members:
                if member.filename in dropped:
                    continue
                with source.open(member) as stream:
                    content = stream.read(budget + 1)
                budget -= len(content)
                if budget < 0:
                    raise _Malformed("the package unpacks to more than we can process")
                content = _clean_ooxml_part(member.filename, content, core, app, dropped)
                info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
                info.compress_type = (
                    zipfile.ZIP_STORED
                    if member.compress_type == zipfile.ZIP_STORED
                    else zipfile.ZIP_DEFLATED
                )
                target.writestr(info, content)
    return out.getvalue()


def _clean_ooxml_part(
    name: str, content: bytes, core: set[str], app: set[str], dropped: set[str]
) -> bytes:
    if not name.lower().endswith((".xml", ".rels")):
        return content
    text, encoding = _decode_xml(content)
    if "<!DOCTYPE" in text:
        _refuse_doctype()  # a declared entity could carry a name past the rewriting below
    cleaned = text
    if name in core:
        cleaned = _set_element_texts(cleaned, _CORE_EMPTIED, "")
    if name in app:
        cleaned = _set_element_texts(cleaned, _APP_EMPTIED, "")
    if name == "[Content_Types].xml":
        cleaned = _without_elements(cleaned, "Override", "PartName", frozenset(dropped))
    if name.endswith(".rels"):
        if name == "_rels/.rels":
            cleaned = _without_elements(cleaned, "Relationship", "Target", frozenset(dropped))
        cleaned = _rels_without_paths(cleaned)
    elif any(marker in cleaned for marker in _PERSON_MARKERS):
        cleaned = _neutral_people(cleaned)
        if name.startswith("xl/"):
            cleaned = _nameless_excel_comments(cleaned)
    if cleaned == text:
        return content
    result = cleaned.encode(encoding)
    _check_well_formed(result)  # a part we could not rewrite faithfully is not handed on
    return result


# Images -------------------------------------------------------------------------------------

_EXIF_ORIENTATION = 0x0112
# JPEG application segments kept (by marker and identifier): JFIF, ICC colour profile,
# Adobe's colour transform (CMYK files need it). EXIF, XMP, IPTC, MPF, comments… go.
_JPEG_KEPT_SEGMENTS = (
    (0xE0, b"JFIF\0"),
    (0xE0, b"JFXX\0"),
    (0xE2, b"ICC_PROFILE\0"),
    (0xEE, b"Adobe"),
)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG chunks kept: the image, its colour and transparency, physical size, animation (APNG).
# tEXt, zTXt, iTXt, eXIf, tIME and anything private go.
_PNG_KEPT_CHUNKS = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
        b"sBIT", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCV", b"cLLI",
    }
)  # fmt: skip
_WEBP_KEPT_CHUNKS = frozenset({b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
_WEBP_EXIF_XMP_FLAGS = 0x08 | 0x04
# GIF application extensions kept: looping (Netscape, AnimExts) and ICC colour profile.
_GIF_KEPT_APPLICATIONS = frozenset({b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012"})


def _clean_image(content_type: str, data: bytes) -> bytes:
    strip = {
        "image/jpeg": _strip_jpeg,
        "image/png": _strip_png,
        "image/webp": _strip_webp,
        "image/gif": _strip_gif,
    }[content_type]
    try:
        stripped, had_exif = strip(data)
    except _Malformed:
        if content_type == "image/gif":
            raise
        # A layout we do not walk (garbage between segments, no end marker) may still
        # decode: then a re-encoded copy serves.
        return _reencode(content_type, data)
    if had_exif and _turned(content_type, data):
        return _reencode(content_type, data)
    return stripped


def _turned(content_type: str, data: bytes) -> bool:
    """Whether the image's EXIF orientation asks viewers to turn or mirror it."""
    with Image.open(io.BytesIO(data), formats=[_IMAGE_FORMATS[content_type]]) as image:
        return image.getexif().get(_EXIF_ORIENTATION, 1) in range(2, 9)


def _reencode(content_type: str, data: bytes) -> bytes:
    """The picture upright, decoded and encoded again without any metadata, as uploads are."""
    # _decode refuses more than upload.MAX_IMAGE_PIXELS before decoding.
    image, options = _decode(io.BytesIO(data), content_type, data[:HEAD_BYTES])
    image.info.clear()
    out = io.BytesIO()
    image.save(out, format=_IMAGE_FORMATS[content_type], **options)
    return out.getvalue()


def _strip_jpeg(data: bytes) -> tuple[bytes, bool]:
    """The JPEG's segments but the metadata ones, and the entropy-coded data as it is, up to
    the end marker (trailers after it, such as MPF's extra pictures, go too)."""
    if data[:2] != b"\xff\xd8":
        raise _Malformed("no JPEG start marker")
    kept = [b"\xff\xd8"]
    had_exif = False
    pos = 2
    while True:
        if pos + 2 > len(data) or data[pos] != 0xFF:
            raise _Malformed("expected a JPEG marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            kept.append(b"\xff\xd9")
            return b"".join(kept), had_exif
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            kept.append(data[pos : pos + 2])
            pos += 2
            continue
        if pos + 4 > len(data):
            raise _Malformed("truncated JPEG segment")
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if end < pos + 4 or end > len(data):
            raise _Malformed("JPEG segment length out of bounds")
        payload = data[pos + 4 : end]
        had_exif = had_exif or (marker == 0xE1 and payload.startswith(b"Exif\0"))
        is_metadata = 0xE0 <= marker <= 0xEF or marker == 0xFE
        if not is_metadata or any(
            marker == kept_marker and payload.startswith(identifier)
            for kept_marker, identifier in _JPEG_KEPT_SEGMENTS
        ):
            kept.append(data[pos:end])
        pos = end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            scan_end = _jpeg_scan_end(data, pos)
            kept.append(data[pos:scan_end])
            pos = scan_end


def _jpeg_scan_end(data: bytes, pos: int) -> int:
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise _Malformed("JPEG scan without an end")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            pos += 2
        elif following == 0xFF:  # fill bytes: the marker starts at the last 0xFF
            pos += 1
        else:
            return pos


def _strip_png(data: bytes) -> tuple[bytes, bool]:
    """The PNG's image, colour and animation chunks up to IEND; anything after IEND goes."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _Malformed("no PNG signature")
    kept = [_PNG_SIGNATURE]
    had_exif = False
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise _Malformed("PNG without IEND")
        chunk_type = data[pos + 4 : pos + 8]
        end = pos + 12 + int.from_bytes(data[pos : pos + 4], "big")
        if end > len(data):
            raise _Malformed("PNG chunk length out of bounds")
        had_exif = had_exif or chunk_type == b"eXIf"
        if chunk_type in _PNG_KEPT_CHUNKS:
            kept.append(data[pos:end])
        pos = end
        if chunk_type == b"IEND":
            return b"".join(kept), had_exif


def _strip_webp(data: bytes) -> tuple[bytes, bool]:
    """The WebP's image, animation and colour chunks, with the VP8X flags that announce EXIF
    and XMP cleared and the RIFF size set to what is left."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise _Malformed("not a RIFF WebP")
    riff_end = 8 + int.from_bytes(data[4:8], "little")
    if riff_end > len(data):
        raise _Malformed("WebP shorter than its RIFF size")
    kept: list[bytes] = []
    had_exif = False
    pos = 12
    while pos < riff_end:
        if pos + 8 > riff_end:
            raise _Malformed("truncated WebP chunk")
        fourcc = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if pos + 8 + size > riff_end:
            raise _Malformed("WebP chunk length out of bounds")
        had_exif = had_exif or fourcc == b"EXIF"
        if fourcc == b"VP8X" and size >= 1:
            flags = data[pos + 8] & ~_WEBP_EXIF_XMP_FLAGS
            kept.append(data[pos : pos + 8] + bytes([flags]) + data[pos + 9 : pos + 8 + size])
        elif fourcc in _WEBP_KEPT_CHUNKS:
            kept.append(data[pos : pos + 8 + size])
        if size & 1 and fourcc in _WEBP_KEPT_CHUNKS:
            kept.append(b"\0")
        pos += 8 + size + (size & 1)
    body = b"WEBP" + b"".join(kept)
    return b"RIFF" + len(body).to_bytes(4, "little") + body, had_exif


def _gif_sub_blocks_end(data: bytes, pos: int) -> int:
    while True:
        if pos >= len(data):
            raise _Malformed("GIF data without a terminator")
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


def _gif_colour_table_size(packed: int) -> int:
    return 3 << ((packed & 7) + 1) if packed & 0x80 else 0


def _strip_gif(data: bytes) -> tuple[bytes, bool]:
    """The GIF's frames, frame controls, plain text and looping, without comments, XMP and
    other application data; every frame stays (animation is kept exactly)."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise _Malformed("no GIF header")
    pos = 13 + _gif_colour_table_size(data[10])
    kept = [data[:pos]]
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer; anything after it goes
            break
        if block == 0x21 and pos + 2 < len(data):
            label = data[pos + 1]
            end = _gif_sub_blocks_end(data, pos + 2)
            application = data[pos + 3 : pos + 14] if data[pos + 2] == 11 else b""
            if label in (0xF9, 0x01) or (label == 0xFF and application in _GIF_KEPT_APPLICATIONS):
                kept.append(data[pos:end])
        elif block == 0x2C and pos + 11 <= len(data):
            image_data = pos + 10 + _gif_colour_table_size(data[pos + 9]) + 1  # + LZW size
            end = _gif_sub_blocks_end(data, image_data)
            kept.append(data[pos:end])
        else:
            raise _Malformed("unknown GIF block")
        pos = end
    kept.append(b";")
    return b"".join(kept), False


# Audio and video ----------------------------------------------------------------------------


def _syncsafe(four: bytes) -> int:
    if len(four) != 4 or any(byte & 0x80 for byte in four):
        raise _Malformed("not a syncsafe integer")
    return (four[0] << 21) | (four[1] << 14) | (four[2] << 7) | four[3]


def _clean_mp3(data: bytes) -> bytes:
    """The MPEG audio frames alone: ID3v2 tags at the start (several may follow each other)
    and, at the end, ID3v1 (with its TAG+ extension), APEv2, Lyrics3v2 and appended ID3v2.4
    tags, in whatever order they were stacked, are removed."""
    start = 0
    while data[start : start + 3] == b"ID3":
        footer = 10 if len(data) > start + 5 and data[start + 5] & 0x10 else 0
        start += 10 + _syncsafe(data[start + 6 : start + 10]) + footer
        if start > len(data):
            raise _Malformed("ID3v2 tag longer than the file")
    end = len(data)
    while end > start:
        if end - start >= 128 and data[end - 128 : end - 125] == b"TAG":
            end -= 128
            if end - start >= 227 and data[end - 227 : end - 223] == b"TAG+":
                end -= 227
        elif end - start >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
            size = int.from_bytes(data[end - 20 : end - 16], "little")  # items and footer
            if size < 32:
                raise _Malformed("APE tag smaller than its footer")
            has_header = int.from_bytes(data[end - 12 : end - 8], "little") & 0x80000000
            end -= size + (32 if has_header else 0)
        elif end - start >= 15 and data[end - 9 : end] == b"LYRICS200":
            size_digits = data[end - 15 : end - 9]
            if not size_digits.isdigit():
                raise _Malformed("Lyrics3 tag without its size")
            end -= 15 + int(size_digits)
            if end < start or data[end : end + 11] != b"LYRICSBEGIN":
                raise _Malformed("Lyrics3 tag without its start")
        elif end - start >= 10 and data[end - 10 : end - 7] == b"3DI":
            end -= 20 + _syncsafe(data[end - 4 : end])
        else:
            break
        if end < start:
            raise _Malformed("tag longer than the file")
    return data[start:end]


# RIFF chunks that describe a WAV file rather than hold its sound: ID3 tags, Broadcast WAVE
# (originator, description), iXML and cart (recorder and broadcast notes), XMP, display text.
_WAV_HIDDEN_CHUNKS = frozenset({b"id3 ", b"ID3 ", b"bext", b"iXML", b"cart", b"_PMX", b"DISP"})
# LIST forms to hide: INFO (artist, name, software, comments…), adtl (cue labels and notes).
_WAV_HIDDEN_LISTS = frozenset({b"INFO", b"adtl"})
_WAV_PADDING_CHUNKS = frozenset({b"JUNK", b"junk", b"PAD ", b"FLLR"})


def _clean_wav(data: bytes) -> bytes:
    """The WAV with each metadata chunk turned into a JUNK chunk of the same size, all zero,
    and earlier padding and anything after the RIFF form zeroed too, so nothing moves and no
    old text survives."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise _Malformed("not a RIFF WAVE file")
    out = bytearray(data)
    riff_size = int.from_bytes(data[4:8], "little")
    # Streaming recorders leave the RIFF size at 0 or 0xFFFFFFFF: the file's end is the end.
    riff_end = 8 + riff_size if riff_size >= 4 and 8 + riff_size <= len(out) else len(out)
    pos = 12
    has_sound = False
    while True:
        while pos + 8 <= riff_end:
            chunk_id = bytes(out[pos : pos + 4])
            size = int.from_bytes(out[pos + 4 : pos + 8], "little")
            end = pos + 8 + size
            if end > len(out):
                if chunk_id == b"data":  # a recording cut short: nothing follows its sound
                    return bytes(out)
                raise _Malformed("WAV chunk longer than the file")
            riff_end = max(riff_end, end)  # a RIFF size too small for its own chunks is wrong
            has_sound = has_sound or chunk_id == b"data"
            hidden = chunk_id in _WAV_HIDDEN_CHUNKS or (
                chunk_id == b"LIST" and bytes(out[pos + 8 : pos + 12]) in _WAV_HIDDEN_LISTS
            )
            if hidden:
                out[pos : pos + 4] = b"JUNK"
            if hidden or chunk_id in _WAV_PADDING_CHUNKS:
                out[pos + 8 : end] = bytes(size)
            pos = end + (size & 1)
        if has_sound or riff_end >= len(out):
            break
        riff_end = len(out)  # the RIFF size ends before the sound: it is wrong, walk on
    # Bytes after the RIFF form are no part of the sound; taggers append ID3 tags there.
    out[riff_end:] = bytes(len(out) - riff_end)
    return bytes(out)


# Boxes that hold other boxes and on the way to metadata; media data is never walked.
_ISO_CONTAINERS = frozenset(
    {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"moof", b"traf",
     b"mfra", b"tref"}
)  # fmt: skip
_ISO_HIDDEN = frozenset({b"udta", b"meta"})
_ISO_PADDING = frozenset({b"free", b"skip"})
_XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
_ISO_MAX_DEPTH = 16


def _clean_iso_media(data: bytes) -> bytes:
    """The MP4, M4A or QuickTime file with every user-data and metadata box (udta, meta:
    titles, artist, camera, GPS location, software) and every top-level or XMP uuid box
    turned into a free box of the same size, all zero, and earlier free space zeroed, so no
    sample offset moves and no old text survives."""
    out = bytearray(data)
    _hide_iso_boxes(out, 0, len(out), 0)
    return bytes(out)


def _hide_iso_boxes(out: bytearray, pos: int, end: int, depth: int) -> None:
    if depth > _ISO_MAX_DEPTH:
        raise _Malformed("boxes nested too deep")
    while pos < end:
        if pos + 8 > end:
            raise _Malformed("truncated box header")
        size, box_type = struct.unpack_from(">I4s", out, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise _Malformed("truncated box header")
            size = int.from_bytes(out[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0 and depth == 0:  # the last box runs to the end of the file
            size = end - pos
        if size < header:
            raise _Malformed("box smaller than its header")
        if pos + size > end:
            if depth == 0 and box_type == b"mdat":  # a recording cut short
                return
            raise _Malformed("box longer than its parent")
        uuid = bytes(out[pos + header : pos + header + 16]) if box_type == b"uuid" else b""
        if box_type in _ISO_HIDDEN or (box_type == b"uuid" and (depth == 0 or uuid == _XMP_UUID)):
            out[pos + 4 : pos + 8] = b"free"
            out[pos + header : pos + size] = bytes(size - header)
        elif box_type in _ISO_PADDING:
            out[pos + header : pos + size] = bytes(size - header)
        elif box_type == b"cmov":  # a compressed movie header hides its metadata from us
            raise _Malformed("compressed movie header")
        elif box_type in _ISO_CONTAINERS:
            _hide_iso_boxes(out, pos + header, pos + size, depth + 1)
        pos += size
