"""Read the rows of an uploaded .xlsx or .csv safely (size limits, encodings, header search), and
write every .xlsx and .csv the app hands out.

Shared by every Excel-shaped import and export (people, question banks, results).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import defusedxml.ElementTree
from flask_babel import gettext as _

# An .xlsx is a zip archive. These bounds are far above any real sheet of people or questions
# (10,000 questions unpack to about 20 MB) and far below what would exhaust the server.
MAX_ZIP_ENTRIES = 1000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
HEADER_SEARCH_ROWS = 10
# Formatted but empty cells (a border drawn down to row 30,000, a <dimension> far past the data) do
# not count toward an import's limits, yet reading them is work: about 4 µs each. Past this many
# (an empty row counts as one at least), the sheet is refused instead of read for seconds more.
MAX_EMPTY_CELLS = 1_000_000
# A text cell starting with one of these is read as a formula by Excel, WPS or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why."""


@dataclass(frozen=True)
class Limits:
    """How big a sheet an import reads. Set per import so that a file at the upload size limit is
    refused in seconds instead of holding a worker for minutes (benchmarks/upload_limits.py)."""

    rows: int
    cells: int


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet program shows it, 1-based
    cells: tuple[str, ...]

    def get(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


@dataclass(frozen=True)
class Problem:
    """Something wrong with an uploaded sheet as a whole (row None) or with one of its cells."""

    row: int | None
    column: str
    message: str


# A preview names this many problems beside their rows and counts the rest by column: a file with
# a bad value in every cell holds hundreds of thousands, and naming them all made a 21 MB page.
SHOWN_PROBLEMS = 200


@dataclass
class ProblemListing:
    """An import preview's problems as its page shows them, sorted by row once: looking each row's
    up among all of them made the page's time grow with rows × problems."""

    of_file: list[Problem] = field(default_factory=list)
    total: int = 0  # every problem, of the file and of its rows
    named: int = 0  # problems of rows named beside their row
    shown: dict[int, list[Problem]] = field(default_factory=dict)  # row → its problems named
    unshown: dict[int, int] = field(default_factory=dict)  # row → how many more it has, only counted
    unshown_by_column: dict[str, int] = field(default_factory=dict)  # column → how many, only counted

    @property
    def counted(self) -> int:
        return sum(self.unshown.values())

    def of_row(self, row: int) -> list[Problem]:
        return self.shown.get(row, [])

    def has(self, row: int) -> bool:
        return row in self.shown or row in self.unshown


def list_problems(problems: Sequence[Problem], shown: int = SHOWN_PROBLEMS) -> ProblemListing:
    """The problems of the file, the first `shown` of its rows by row, and the others counted per
    row and per column."""
    listing = ProblemListing(total=len(problems))
    for problem in problems:
        if problem.row is None:
            listing.of_file.append(problem)
        elif listing.named < shown:
            listing.shown.setdefault(problem.row, []).append(problem)
            listing.named += 1
        else:
            listing.unshown[problem.row] = listing.unshown.get(problem.row, 0) + 1
            listing.unshown_by_column[problem.column] = listing.unshown_by_column.get(problem.column, 0) + 1
    return listing


def read_rows(filename: str, data: bytes, limits: Limits) -> list[Row]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, limits)
    if name.endswith(".csv"):
        return _read_csv(data, limits)
    raise FileProblem(_("Unsupported file type: upload an .xlsx or .csv file."))


class _Extent:
    """Counts what a reader has read against an import's limits: the rows holding data and their
    cells, and, apart, the empty ones, which only cost time."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rows = self.cells = self.empty = 0

    def add(self, number: int, values: Sequence[object], cells: tuple[str, ...]) -> bool:
        """Count a row (the spreadsheet's row `number`); whether it holds data."""
        if not any(cells):
            self.empty += max(len(values), 1)
            if self.empty > MAX_EMPTY_CELLS:
                raise FileProblem(
                    _(
                        "Beyond its data, the sheet holds a great many formatted but empty rows or cells "
                        "(by row %(row)s); delete them, save the file and upload it again.",
                        row=f"{number:,}",
                    )
                )
            return False
        self.rows += 1
        self.cells += len(values)
        if self.rows > self.limits.rows:
            raise FileProblem(
                _(
                    "The sheet has more than %(limit)s rows of data (the limit for this import); split it "
                    "into smaller files.",
                    limit=f"{self.limits.rows:,}",
                )
            )
        if self.cells > self.limits.cells:
            raise FileProblem(
                _(
                    "The sheet has more than %(limit)s cells (the limit for this import, reached by row "
                    "%(row)s); remove unused columns or split it into smaller files.",
                    limit=f"{self.limits.cells:,}",
                    row=f"{number:,}",
                )
            )
        return True


def check_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """Open a zip-based office file after refusing archives that would unpack absurdly."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    # NotImplementedError: a damaged header can claim a zip version or method zipfile lacks.
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        raise FileProblem(_("The file is not a valid %(what)s file.", what=what)) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FileProblem(
            _("The file has too many parts (%(n)d) to be a real %(what)s file.", n=len(entries), what=what)
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(
            _("The file would unpack to %(mb)d MB, more than allowed.", mb=unpacked // (1024 * 1024))
        )
    for entry in entries:
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_COMPRESSION_RATIO:
            raise FileProblem(
                _("The file is compressed suspiciously well (part %(part)s); refused.", part=entry.filename)
            )
    return archive


def _read_xlsx(data: bytes, limits: Limits) -> list[Row]:
    from openpyxl import load_workbook  # imported here: a slow import most requests do not need

    _check_shared_strings(check_zip(data, "xlsx"), limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged workbook
        raise FileProblem(_("The .xlsx file is damaged or not a workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        # The sheet's <dimension> is its extent, not its data: a formatted cell far below the data
        # stretches it, many tools write none or a wrong one, and without one openpyxl would read
        # the whole sheet once just to size it. Rows are read until the end instead, and counted
        # on the way.
        sheet.reset_dimensions()
        rows = []
        extent = _Extent(limits)
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(_cell_text(value) for value in values)
            if extent.add(number, values, cells):
                rows.append(Row(number, cells))
        return rows
    except FileProblem:
        raise
    except Exception:
        raise FileProblem(_("The .xlsx file is damaged or not a workbook.")) from None
    finally:
        workbook.close()


def _check_shared_strings(archive: zipfile.ZipFile, limits: Limits) -> None:
    """openpyxl reads every shared text of a workbook before its first row, at about 15 µs each, and
    a 5 MB upload can hold millions of them. A sheet cannot use more different texts than it has
    cells, so they are counted first (found as openpyxl finds them), stopping past the cell limit."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, SHEET_MAIN_NS

    text_tag = f"{{{SHEET_MAIN_NS}}}si"
    try:
        # types-openpyxl asks for a protocol xml.etree's Element misses (find's return type); openpyxl
        # itself reads the manifest from this same Element.
        tree = defusedxml.ElementTree.fromstring(archive.read(ARC_CONTENT_TYPES))
        manifest = Manifest.from_tree(tree)  # type: ignore[arg-type]  # see above
        part = manifest.find(SHARED_STRINGS) if manifest else None
        if part is None:
            return
        texts = 0
        with archive.open(part.PartName.lstrip("/")) as source:
            for _event, element in defusedxml.ElementTree.iterparse(source):
                if element.tag != text_tag:
                    continue
                element.clear()
                texts += 1
                if texts > limits.cells:
                    raise FileProblem(
                        _(
                            "The workbook holds more than %(limit)s different texts, more than the cell "
                            "limit for this import allows; split it into smaller files.",
                            limit=f"{limits.cells:,}",
                        )
                    )
    except FileProblem:
        raise
    except Exception:  # a missing part, bad XML or a forbidden DTD
        raise FileProblem(_("The .xlsx file is damaged or not a workbook.")) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _unquoted(str(value).strip())


def _unquoted(text: str) -> str:
    """Drop the quote `_neutralised` puts before a formula-like text, so an exported file imports
    back unchanged. Spreadsheet programs read such a quote the same way: "text, not a formula"."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def decode_text(data: bytes) -> str:
    """Text as Chinese offices save it: UTF-8 (with or without BOM), UTF-16 with a BOM (Notepad's
    "Unicode"), else GB18030 — what Chinese Excel and Windows editors write. One rule for every
    text-based import. A NUL character is refused with its line: no text column of PostgreSQL can
    hold one, and a text file holds none unless it is not text (or is UTF-16 without its BOM)."""
    text = _decoded(data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileProblem(
            _(
                "Line %(line)d holds a NUL character: the file is not plain text; save it again as UTF-8.",
                line=line,
            )
        )
    return text


def _decoded(data: bytes) -> str:
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise FileProblem(
            _("The file is neither UTF-8 nor GBK/GB18030 text; save it again as UTF-8.")
        ) from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("The file is neither UTF-8 nor GBK/GB18030 text; save it again as UTF-8."))


def _read_csv(data: bytes, limits: Limits) -> list[Row]:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    rows = []
    extent = _Extent(limits)
    number = 0
    try:
        for number, values in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
        ):
            cells = tuple(_unquoted(value.strip()) for value in values)
            if extent.add(number, values, cells):
                rows.append(Row(number, cells))
    except csv.Error as exc:
        if "field larger than field limit" not in str(exc):
            raise FileProblem(
                _("Row %(row)d cannot be read as CSV: %(reason)s", row=number + 1, reason=str(exc))
            ) from None
        # Most often a quotation mark that opens a field and is never closed: the rest of the file
        # reads as one field.
        raise FileProblem(
            _(
                'Row %(row)d holds a field longer than %(limit)s characters: is a quotation mark (") '
                "left open there?",
                row=number + 1,
                limit=f"{csv.field_size_limit():,}",
            )
        ) from None
    return rows


def find_header(
    rows: Sequence[Row], columns: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[int, dict[str, int]]:
    """Find the header row among the first rows (a notes row may sit above it).

    `columns` maps each canonical column name to the header texts accepted for it. Returns the
    index of the header in `rows` and the position of every column found.
    """
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        for position, cell in enumerate(row.cells):
            label = cell.replace(" ", "").replace("*", "").strip()
            for canonical, names in columns.items():
                if canonical not in positions and label in names:
                    positions[canonical] = position
        if all(name in positions for name in required):
            return index, positions
    raise FileProblem(
        _("No header row found: the first rows must include the columns %(cols)s.", cols="、".join(required))
    )


# ---- writing --------------------------------------------------------------------------------


def _neutralised(value: object) -> object:
    """OWASP's defence against formula injection: a text that a spreadsheet program would run as
    a formula (a name or stem such as `=HYPERLINK(…)` or `-2+3`) gets a leading single quote, which
    makes it plain text. Reading a file back removes exactly that quote (`_unquoted`)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _storable_in_xlsx(value: object) -> object:
    """XML 1.0 has no place for most C0 control characters (a stem pasted from a PDF can hold
    one): openpyxl refuses the whole workbook for one such character, so it is dropped instead."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: Iterable[Sequence[object]]
    widths: Mapping[str, float] = field(default_factory=dict)  # column letter → width
    # column letter → Excel number format, e.g. "0%": a rate stays a number people can sort and sum
    formats: Mapping[str, str] = field(default_factory=dict)


# What Excel refuses in a sheet's name (a branch may be called 第一党支部:学习), and its length limit.
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def sheet_name(title: str) -> str:
    """A title as a sheet's name: Excel's forbidden characters as _, at most 31 characters."""
    return _NOT_IN_SHEET_NAME.sub("_", title)[:SHEET_NAME_MAX].strip("'") or "Sheet"


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook of the given sheets, every text cell neutralised, each sheet's first row (its
    header) kept in view while the rest scrolls."""
    from openpyxl import Workbook  # imported here: a slow import most requests do not need
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        target = workbook.create_sheet(sheet_name(sheet.title))
        target.freeze_panes = "A2"
        for column, width in sheet.widths.items():
            target.column_dimensions[column].width = width
        for number, row in enumerate(sheet.rows):
            cells: list[object] = []
            for index, value in enumerate(row, start=1):
                value = _neutralised(_storable_in_xlsx(value))
                shape = sheet.formats.get(get_column_letter(index)) if number else None
                if shape and isinstance(value, int | float):
                    cell = WriteOnlyCell(target, value)
                    cell.number_format = shape
                    value = cell
                cells.append(value)
            target.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as CSV, every text cell neutralised. The BOM makes Chinese Excel read it as UTF-8
    instead of guessing GBK."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([_neutralised(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
