"""Upload validation: the type is sniffed from the bytes (never from the file name or the
client's Content-Type), the size and the image pixel count are limited before anything is
decoded or stored, and only passive types are accepted.

``sniff(head)`` answers the MIME type of a file from its first bytes; ``inspect_upload(fileobj,
...)`` validates a whole upload and returns what the media library stores about it (mime type,
file type, width and height for images). ``PASSIVE_TYPES`` maps every type the library can
hold to the extension it is stored and served under: the stored name never keeps the client's
extension (docs/media.md).
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from apps.core.errors import ApplicationError, PayloadTooLarge

SNIFF_BYTES = 262_144  # enough for filetype's matchers and an image header with large EXIF
TEXT_SAMPLE_BYTES = 65_536
SCAN_CHUNK_BYTES = 1_048_576

# Types no browser runs as script or markup, with the extension each is stored under. Only
# these can ever be accepted (MEDIA_ALLOWED_TYPES may narrow them, never widen them). HTML,
# XHTML, SVG, XML and JavaScript are not here on purpose: they are active content.
PASSIVE_TYPES: dict[str, str] = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "model/gltf-binary": ".glb",
    "application/zip": ".zip",
    "text/csv": ".csv",
    "text/plain": ".txt",
    # Office formats: off by default, an operator may allow them (they are downloads only).
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/rtf": ".rtf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}
# The only types a browser is allowed to show inline (the rest is served as an attachment).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
IMAGE_TYPES = INLINE_TYPES
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
FALLBACK_EXTENSION = ".bin"


def extension_for(mime_type: str) -> str:
    """The extension a file of ``mime_type`` is stored under (``.bin`` for anything else)."""
    return PASSIVE_TYPES.get(mime_type, FALLBACK_EXTENSION)


def type_for_extension(name: str) -> str | None:
    """The passive type a stored name's extension stands for, or None."""
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    return next((mime for mime, known in PASSIVE_TYPES.items() if known == ext), None)


# Limits come from settings (MEDIA_* environment variables, defaults in config/settings.py).
def max_upload_bytes() -> int:
    return settings.MEDIA_MAX_UPLOAD_BYTES


def allowed_types() -> set[str]:
    """MEDIA_ALLOWED_TYPES, less anything that is not a passive type (see checks.py)."""
    return set(settings.MEDIA_ALLOWED_TYPES) & PASSIVE_TYPES.keys()


def max_image_pixels() -> int:
    return settings.MEDIA_MAX_IMAGE_PIXELS


class FileTooLarge(PayloadTooLarge):
    default_code = "file_too_large"


class UnsupportedFileType(ApplicationError):
    default_code = "unsupported_file_type"


class InvalidImage(ApplicationError):
    default_code = "invalid_image"


@dataclass(frozen=True)
class FileInfo:
    mime_type: str
    file_type: str
    size: int
    width: int | None = None
    height: int | None = None


def file_type_for(mime_type: str) -> str:
    if mime_type.startswith("image/"):
        return "image"
    if mime_type.startswith("video/"):
        return "video"
    if mime_type.startswith("model/"):
        return "3d_model"
    if mime_type in PASSIVE_TYPES:  # PDF, text, CSV, archives, office files
        return "document"
    return "other"


# Executables and scripts, recognised even from a few bytes (filetype needs more for some).
EXECUTABLE_SIGNATURES = (
    b"\x7fELF",
    b"MZ",
    b"#!",  # ELF, Windows PE/DOS, scripts with an interpreter line
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
)
# Control characters never found in text files (tab, line feed, form feed, carriage return are).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


# Markup in a text file: a doctype, an XML declaration, or an element that runs script or loads
# content, also with a namespace prefix (``<x:script xmlns:x="http://www.w3.org/1999/xhtml">``).
_MARKUP = re.compile(
    rb"<(?:!doctype|\?xml|(?:[a-z][\w.-]{0,100}:)?(?:script|html|svg|iframe|frame|frameset|object|"
    rb"embed|body|head|meta|link|style|base|math|foreignobject)(?=[\s/>]|$))",
    re.IGNORECASE,
)
_MARKUP_OVERLAP = 160
_LEADING = b"\xef\xbb\xbf \t\r\n\x0c"  # a UTF-8 byte-order mark and white space


def _looks_like_text(sample: bytes) -> bool:
    if not sample or any(b in _BINARY_BYTES for b in set(sample)):
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end in the middle of a multi-byte character.
        if exc.start < len(sample) - 4:
            return False
    return True


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return len(widths) == 1 and widths.pop() >= 2


def sniff(head: bytes) -> str:
    """The MIME type of a file from its first bytes; ``application/octet-stream`` when
    nothing matches. Text is told apart from binary by content (UTF-8, no NUL bytes)."""
    if head.startswith(EXECUTABLE_SIGNATURES):
        return "application/x-executable"
    if head[:4] == b"glTF":
        return "model/gltf-binary"
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    sample = head[:TEXT_SAMPLE_BYTES]
    if _looks_like_text(sample):
        text = sample.decode("utf-8", errors="ignore")
        return "text/csv" if _looks_like_csv(text) else "text/plain"
    return "application/octet-stream"


def check_size(size: int, *, name: str = "") -> None:
    limit = max_upload_bytes()
    if size > limit:
        label = f"'{name}' " if name else ""
        raise FileTooLarge(f"The file {label}is {size} bytes; the limit is {limit} bytes.", attr="file")
    if size <= 0:
        raise ApplicationError(f"The file '{name}' is empty.", code="empty_file", attr="file")


def check_type(mime_type: str, *, name: str = "") -> None:
    if mime_type not in allowed_types():
        raise UnsupportedFileType(
            f"The content of '{name}' is {mime_type}, which the media library does not accept. "
            f"Allowed: {', '.join(sorted(allowed_types()))}.",
            attr="file",
        )


def image_dimensions(fileobj, *, name: str = "", verify: bool = True) -> tuple[int, int]:
    """Width and height from the image header, checked against MEDIA_MAX_IMAGE_PIXELS
    before any pixel is decoded (a decompression bomb never allocates its pixels)."""
    limit = max_image_pixels()
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fileobj)  # lazy: reads the header only
            width, height = image.size
            if width * height > limit:
                raise InvalidImage(
                    f"The image '{name}' declares {width}x{height} pixels; the limit is {limit} pixels.",
                    code="image_too_large",
                    attr="file",
                )
            if verify:
                image.verify()  # structure and checksums; does not decode the pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage(
            f"The image '{name}' declares too many pixels.", code="image_too_large", attr="file"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImage(f"The image '{name}' is damaged or not a valid image.", attr="file") from exc
    finally:
        fileobj.seek(0)
    if width <= 0 or height <= 0:
        raise InvalidImage(f"The image '{name}' has no pixels.", attr="file")
    return width, height


def refuse_markup(fileobj, *, name: str = "") -> None:
    """A text upload that is really markup (HTML, XHTML, SVG, XML) is refused: it starts with a
    tag, or holds an element that runs script or loads content anywhere in the file (the whole
    file is read, in chunks that overlap by more than a marker's length)."""
    fileobj.seek(0)
    carry, first = b"", True
    try:
        while chunk := fileobj.read(SCAN_CHUNK_BYTES):
            window = carry + chunk
            found = _MARKUP.search(window)
            if first and window.lstrip(_LEADING).startswith(b"<"):
                found = found or re.match(rb"<[^\s>]{0,20}", window.lstrip(_LEADING))
            if found:
                marker = found.group(0).decode("utf-8", errors="replace")
                raise UnsupportedFileType(
                    f"The content of '{name}' is markup (HTML, XHTML, SVG or XML: found "
                    f"'{marker}'), which the media library does not accept: a browser could run "
                    "it. Upload a PDF, or the file inside a .zip archive.",
                    attr="file",
                )
            carry, first = window[-_MARKUP_OVERLAP:], False
    finally:
        fileobj.seek(0)


def inspect_upload(fileobj, *, name: str, size: int) -> FileInfo:
    """Validate one file (size, sniffed type on the allow-list, no markup in text, image
    limits); raise a domain error (413 ``file_too_large``, 400 ``unsupported_file_type`` /
    ``image_too_large`` / ``invalid_image``) or answer what to store about it. Used for direct
    uploads and, on the stored object, for completed presigned uploads."""
    check_size(size, name=name)
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    mime_type = sniff(head)
    check_type(mime_type, name=name)
    if mime_type in TEXT_TYPES:
        refuse_markup(fileobj, name=name)
    kind = file_type_for(mime_type)
    width = height = None
    if kind == "image":
        width, height = image_dimensions(fileobj, name=name)
    return FileInfo(mime_type=mime_type, file_type=kind, size=size, width=width, height=height)
