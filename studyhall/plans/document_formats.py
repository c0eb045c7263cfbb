"""The kinds of document file, one class each: the names they are uploaded under, the first bytes
that show a file is what its name says, and what is made of it for reading on a phone — a .docx's
sanitised HTML and its pictures, a PDF's pages as images, a meeting photo turned upright and
re-encoded. Also the sanitiser for any HTML shown as a document's text. Files only:
plans.documents keeps the rows.
"""

from __future__ import annotations

import enum
import io
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import mammoth
import nh3
import pypdfium2
import pypdfium2.raw as pdfium_c
from flask_babel import gettext as _
from PIL import Image, ImageOps

from studyhall import tabular
from studyhall.errors import DomainError, ErrorCode

# Text structure only: no scripts, forms, frames, styles or classes; pictures only those the app
# serves itself (see sanitise); links only to a footnote in the same text.
TAGS = {
    *("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote"),
    *("ul", "ol", "li", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
    *("strong", "em", "b", "i", "u", "s", "sub", "sup", "a", "img"),
}
ATTRIBUTES = {
    "a": {"href", "id"},
    "li": {"id"},
    "img": {"src", "alt"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ID_PREFIX = "doc-"  # mammoth's footnote anchors; no other id, so none can stand in for the page's own
PICTURE_TYPES = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "GIF": ("gif", "image/gif")}
PICTURE_TYPES_BY_EXTENSION = {extension: content_type for extension, content_type in PICTURE_TYPES.values()}
MAX_PICTURE_PIXELS = 40_000_000
MAX_PDF_PAGES = 500
PAGE_WIDTH_PX = 1240  # sharp on a phone's screen at 3x and in a desktop's reading column
MAX_PAGE_HEIGHT_PX = 6000  # a freakishly tall page is shrunk rather than rendered at any size
# PDFium is not thread-safe: one page renders at a time in a process (workers are processes).
_PDFIUM = threading.Lock()


class DocumentKind(enum.StrEnum):
    DOCX = "docx"  # shown as HTML converted at upload
    PDF = "pdf"  # shown as page images, each drawn when first asked for
    VIDEO = "video"  # .mp4 or .webm, served in ranges so a phone can seek
    IMAGE = "image"  # a meeting's photo: shown as the JPEG made of it, never as uploaded


@dataclass
class Prepared:
    """What is kept of a file besides the file: a .docx's HTML, a PDF's page sizes in points."""

    html: str = ""
    page_sizes: list[list[float]] = field(default_factory=list)


def sanitise(html: str, image_prefix: str | None = None) -> str:
    """HTML cut down to text structure. A picture stays only if its address starts with
    `image_prefix` (where the app serves that document's own pictures); a link only if it points at
    a footnote in the same text. No script, event attribute, style or external address survives."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            return value if value.startswith(ID_PREFIX) else None
        if tag == "a" and attribute == "href":
            return value if value.startswith("#" + ID_PREFIX) else None
        if tag == "img" and attribute == "src":
            return value if image_prefix and value.startswith(image_prefix) else None
        return value

    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "svg", "math"},
        attributes=ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=set(),  # no scheme at all: only this site's own relative addresses
        strip_comments=True,
    )


class Format:
    kind: ClassVar[DocumentKind]
    content_types: ClassVar[dict[str, str]]  # by file name extension

    def check_head(self, extension: str, head: bytes) -> None:
        """Refuse a file whose first bytes show it is not what its name says."""

    def prepare(self, path: Path, parts: Path, image_url: Callable[[str], str]) -> Prepared:
        """Read the uploaded file and make what is shown of it (pictures and pages go in `parts`;
        `image_url(name)` is where a picture is served); refuse a file that cannot be shown."""
        return Prepared()


class Docx(Format):
    kind = DocumentKind.DOCX
    content_types = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}

    def check_head(self, extension: str, head: bytes) -> None:
        if not head.startswith(b"PK\x03\x04"):
            raise _damaged_docx()

    def prepare(self, path: Path, parts: Path, image_url: Callable[[str], str]) -> Prepared:
        data = path.read_bytes()  # small: the document limit, not the video one, applies
        try:
            tabular.check_zip(data, "docx").close()
        except tabular.FileProblem as problem:
            raise DomainError(str(problem), ErrorCode.INVALID) from None
        pictures = _Pictures(parts / "images", image_url)
        try:
            result = mammoth.convert_to_html(
                io.BytesIO(data),
                convert_image=pictures.convert,
                id_prefix=ID_PREFIX,
                # A style map inside the file could turn paragraphs into any element, and a linked
                # picture would be fetched from wherever it points: the file gets neither.
                include_embedded_style_map=False,
                external_file_access=False,
            )
        except Exception:  # mammoth, zipfile and the XML reader raise many types for a damaged file
            raise _damaged_docx() from None
        return Prepared(html=sanitise(result.value, image_url("")))


def _damaged_docx() -> DomainError:
    return DomainError(_("The .docx file is damaged or is not a Word document."), ErrorCode.INVALID)


class _Pictures:
    """Saves a .docx's pictures as files the app serves, numbered in order. A picture that is not
    a PNG, JPEG or GIF that decodes (a Windows metafile, an SVG that could carry script), or that
    the file only links to, is left out."""

    def __init__(self, folder: Path, url: Callable[[str], str]) -> None:
        self.folder = folder
        self.url = url
        self.count = 0

    def convert(self, image: Any) -> list[Any]:  # mammoth's image and HTML nodes are untyped
        try:
            with image.open() as source:
                data = source.read()
        # ValueError: a linked picture, with external access off; KeyError: one embedded from an
        # address, or a part the file lacks.
        except (OSError, ValueError, KeyError):
            return []
        extension = _picture_extension(data)
        if extension is None:
            return []
        self.count += 1
        name = f"{self.count}.{extension}"
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_once(self.folder / name, data)
        attributes = {"src": self.url(name)}
        if image.alt_text:
            attributes["alt"] = image.alt_text
        return [mammoth.html.element("img", attributes)]


def _picture_extension(data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                width, height = picture.size
                found = PICTURE_TYPES.get(picture.format or "")
                picture.verify()
    except Exception:  # Pillow raises many types for what is not a picture it can decode
        return None
    if found is None or width * height > MAX_PICTURE_PIXELS:
        return None
    return found[0]


def _write_once(target: Path, data: bytes) -> None:
    """Write a file whole or not at all: written aside, then renamed into place, so a reader in
    another worker never sees half of it."""
    handle, name = tempfile.mkstemp(prefix=".part-", dir=target.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(name, target)


class Pdf(Format):
    kind = DocumentKind.PDF
    content_types = {".pdf": "application/pdf"}

    def check_head(self, extension: str, head: bytes) -> None:
        if b"%PDF-" not in head:  # readers accept the header anywhere in the first kilobyte
            raise _damaged_pdf()

    def prepare(self, path: Path, parts: Path, image_url: Callable[[str], str]) -> Prepared:
        with _PDFIUM:
            try:
                pdf = pypdfium2.PdfDocument(path)
            except pypdfium2.PdfiumError as error:
                if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
                    raise _protected_pdf() from None
                raise _damaged_pdf() from None
            try:
                # Opened without a password but encrypted all the same (its owner restricted copying
                # or printing): pages made into images would be copies, so it is refused too.
                if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
                    raise _protected_pdf()
                if len(pdf) == 0:
                    raise _damaged_pdf()
                if len(pdf) > MAX_PDF_PAGES:
                    raise DomainError(
                        _("The PDF has more than %(n)d pages; split it into parts.", n=MAX_PDF_PAGES),
                        ErrorCode.INVALID,
                    )
                sizes = [[round(width, 1), round(height, 1)] for width, height in map(_page_size, pdf)]
            finally:
                pdf.close()
        return Prepared(page_sizes=sizes)


def _page_size(page: pypdfium2.PdfPage) -> tuple[float, float]:
    width, height = page.get_size()
    page.close()
    if width <= 0 or height <= 0:
        raise _damaged_pdf()
    return width, height


def _damaged_pdf() -> DomainError:
    return DomainError(_("The PDF file is damaged or is not a PDF."), ErrorCode.INVALID)


def _protected_pdf() -> DomainError:
    return DomainError(
        _(
            "The PDF is protected by a password or by restrictions, and cannot be shown page by page. "
            "Save an unprotected copy (in the program that made it, or by printing it to PDF) and upload that."
        ),
        ErrorCode.INVALID,
    )


def render_page(source: Path, number: int, target: Path) -> None:
    """Draw page `number` (1-based) of a PDF as a PNG at `target`; each page is drawn once and
    kept (a worker drawing the same page at the same moment writes the same file)."""
    with _PDFIUM:
        pdf = pypdfium2.PdfDocument(source)
        try:
            page = pdf[number - 1]
            width, height = page.get_size()
            scale = min(PAGE_WIDTH_PX / width, MAX_PAGE_HEIGHT_PX / height)
            picture = page.render(scale=scale).to_pil()
            page.close()
        finally:
            pdf.close()
    out = io.BytesIO()
    picture.save(out, "PNG")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_once(target, out.getvalue())


class Video(Format):
    kind = DocumentKind.VIDEO
    content_types = {".mp4": "video/mp4", ".webm": "video/webm"}

    def check_head(self, extension: str, head: bytes) -> None:
        # An MP4 starts with a box whose type is "ftyp"; a WebM with the EBML magic number.
        looks_right = head[4:8] == b"ftyp" if extension == ".mp4" else head.startswith(b"\x1a\x45\xdf\xa3")
        if not looks_right:
            raise DomainError(
                _("The file is not an %(type)s video.", type=extension.lstrip(".").upper()),
                ErrorCode.INVALID,
            )


# A photo is shown at most this large (its longer side, in pixels): sharp on any screen and on
# paper, and a fifth of what a phone's camera makes. Its thumbnail fills a column of the page.
PHOTO_PX = 2048
THUMB_PX = 480
PHOTO_NAME = "photo.jpg"
THUMB_NAME = "thumb.jpg"


class Photo(Format):
    """A JPEG, PNG or WebP photo. It is opened with Pillow and drawn again: turned as its camera
    held it (EXIF orientation), flattened onto white, made at most PHOTO_PX on its longer side and
    saved as a JPEG with no metadata (a phone's photo carries where it was taken), with a
    thumbnail. Only what was drawn is ever served, as image/jpeg: whatever else the uploaded file
    held never leaves the server."""

    kind = DocumentKind.IMAGE
    content_types = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
    PILLOW_FORMATS: ClassVar[dict[str, str]] = {
        ".jpg": "JPEG",
        ".jpeg": "JPEG",
        ".png": "PNG",
        ".webp": "WEBP",
    }

    def check_head(self, extension: str, head: bytes) -> None:
        pillow = self.PILLOW_FORMATS[extension]
        looks_right = {
            "JPEG": head.startswith(b"\xff\xd8\xff"),
            "PNG": head.startswith(b"\x89PNG\r\n\x1a\n"),
            "WEBP": head[:4] == b"RIFF" and head[8:12] == b"WEBP",
        }[pillow]
        if not looks_right:
            raise DomainError(
                _("The file is not a %(type)s picture.", type=extension.lstrip(".").upper()),
                ErrorCode.INVALID,
            )

    def prepare(self, path: Path, parts: Path, image_url: Callable[[str], str]) -> Prepared:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as picture:
                    if picture.format not in self.PILLOW_FORMATS.values():
                        raise _damaged_photo()
                    width, height = picture.size
                    if width * height > MAX_PICTURE_PIXELS:
                        raise _damaged_photo()
                    upright = ImageOps.exif_transpose(picture)
                    photo = _flattened(upright)
        except DomainError:
            raise
        except Exception:  # Pillow raises many types for what is not a picture it can decode
            raise _damaged_photo() from None
        photo.thumbnail((PHOTO_PX, PHOTO_PX))
        parts.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_once(parts / PHOTO_NAME, _jpeg(photo))
        thumb = photo.copy()
        thumb.thumbnail((THUMB_PX, THUMB_PX))
        _write_once(parts / THUMB_NAME, _jpeg(thumb))
        return Prepared(page_sizes=[[float(photo.width), float(photo.height)]])


def _flattened(picture: Image.Image) -> Image.Image:
    """The picture in RGB: what is transparent shows white, as on the page."""
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return picture.convert("RGB")


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _damaged_photo() -> DomainError:
    return DomainError(_("The picture is damaged or is not a JPEG, PNG or WebP photo."), ErrorCode.INVALID)


FORMATS: tuple[Format, ...] = (Docx(), Pdf(), Video(), Photo())
_BY_EXTENSION = {extension: form for form in FORMATS for extension in form.content_types}


def for_filename(filename: str, accepted: Collection[DocumentKind]) -> tuple[str, Format]:
    """The file's extension (lower case) and its format; refuses any kind of file not accepted."""
    extension = os.path.splitext(filename)[1].lower()
    form = _BY_EXTENSION.get(extension)
    if form is None or form.kind not in accepted:
        if DocumentKind.IMAGE in accepted:  # a meeting's photos
            raise DomainError(_("Upload a photo: a .jpg, .png or .webp file."), ErrorCode.INVALID)
        raise DomainError(_("Upload a .docx, .pdf, .mp4 or .webm file."), ErrorCode.INVALID)
    return extension, form
