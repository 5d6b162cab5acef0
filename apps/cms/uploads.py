"""Upload validation: the type is sniffed from the bytes (never from the file name or the
client's Content-Type), the size and the image pixel count are limited before anything is
decoded or stored.

``sniff(head, name=...)`` answers the MIME type of a file from its first bytes;
``inspect_upload(fileobj, ...)`` validates a whole upload and returns what the media library
stores about it (mime type, file type, width and height for images).
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from apps.core.errors import ApplicationError, PayloadTooLarge

SNIFF_BYTES = 262_144  # enough for filetype's matchers and an image header with large EXIF
TEXT_SAMPLE_BYTES = 65_536

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MODEL_3D_TYPES = {"model/gltf-binary", "model/gltf+json", "model/stl", "model/obj"}
DOCUMENT_TYPES = {
    "application/pdf", "text/csv", "text/plain", "application/zip",
    "application/msword", "application/vnd.ms-excel", "application/rtf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


# Limits come from settings (MEDIA_* environment variables, defaults in config/settings.py).
def max_upload_bytes() -> int:
    return settings.MEDIA_MAX_UPLOAD_BYTES


def allowed_types() -> set[str]:
    return set(settings.MEDIA_ALLOWED_TYPES)


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
    if mime_type in IMAGE_TYPES or mime_type.startswith("image/"):
        return "image"
    if mime_type.startswith("video/"):
        return "video"
    if mime_type in MODEL_3D_TYPES or mime_type.startswith("model/"):
        return "3d_model"
    if mime_type in DOCUMENT_TYPES or mime_type.startswith("text/"):
        return "document"
    return "other"


# Executables and scripts, recognised even from a few bytes (filetype needs more for some).
EXECUTABLE_SIGNATURES = (
    b"\x7fELF", b"MZ", b"#!",  # ELF, Windows PE/DOS, scripts with an interpreter line
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
)
# Control characters never found in text files (tab, line feed, form feed, carriage return are).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


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
        raise FileTooLarge(f"The file {label}is {size} bytes; the limit is {limit} bytes.",
                           attr="file")
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
                    f"The image '{name}' declares {width}x{height} pixels; the limit is "
                    f"{limit} pixels.", code="image_too_large", attr="file",
                )
            if verify:
                image.verify()  # structure and checksums; does not decode the pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage(f"The image '{name}' declares too many pixels.",
                           code="image_too_large", attr="file") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImage(f"The image '{name}' is damaged or not a valid image.",
                           attr="file") from exc
    finally:
        fileobj.seek(0)
    if width <= 0 or height <= 0:
        raise InvalidImage(f"The image '{name}' has no pixels.", attr="file")
    return width, height


def inspect_upload(fileobj, *, name: str, size: int) -> FileInfo:
    """Validate one uploaded file (size, sniffed type, image limits); raise a domain error
    (413 ``file_too_large``, 400 ``unsupported_file_type`` / ``image_too_large`` /
    ``invalid_image``) or answer what to store about it."""
    check_size(size, name=name)
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    mime_type = sniff(head)
    check_type(mime_type, name=name)
    kind = file_type_for(mime_type)
    width = height = None
    if kind == "image":
        width, height = image_dimensions(fileobj, name=name)
    return FileInfo(mime_type=mime_type, file_type=kind, size=size, width=width, height=height)


def inspect_head(head: bytes, *, name: str, size: int) -> FileInfo:
    """As ``inspect_upload`` for a file already in storage, from its first bytes only
    (presigned uploads): the image header gives the dimensions; pixels are not checked."""
    check_size(size, name=name)
    mime_type = sniff(head)
    check_type(mime_type, name=name)
    kind = file_type_for(mime_type)
    width = height = None
    if kind == "image":
        width, height = image_dimensions(io.BytesIO(head), name=name, verify=False)
    return FileInfo(mime_type=mime_type, file_type=kind, size=size, width=width, height=height)
