"""Recipients files: one row of values per person, read as a stream with the place of every value.

CSV has a header row of column names (UTF-8 with or without a BOM, CRLF or LF line ends,
fields quoted as RFC 4180 quotes them), its values separated by `,`, `;` or a tab, as the
header shows (Excel writes `;` in many locales) or the configuration says. JSON Lines has one
object of texts per line. The file's extension decides which (`.csv`, `.jsonl`); an Excel
workbook is told by its first bytes, whatever its name. A row that cannot be read is reported
and skipped, and every row after it keeps its own number and place."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ivrc.language.files import Unreadable, decode_lines

SUFFIXES = (".csv", ".jsonl")
DELIMITERS = (",", ";", "\t")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # a zip (xlsx, ods), an OLE file (xls)
SAVE_AS_CSV = (
    'save it as CSV: in Excel, File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)"; in LibreOffice, File > Save As '
    "> Text CSV, UTF-8"
)


class RecipientsError(Exception):
    """A recipients file that cannot be read at all; `line` and `column` place the problem."""

    def __init__(self, path: Path, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path = path
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Cell:
    """One value as written, and where: 1-based line and column of its first character."""

    value: str
    line: int
    column: int
    width: int  # characters it takes in the file, quotes included


@dataclass(frozen=True, slots=True)
class Row:
    """One recipient: `number` is the data row's number (1 for the first row after the header)."""

    number: int
    line: int
    cells: dict[str, Cell]


@dataclass(frozen=True, slots=True)
class Problem:
    """A row that cannot be read (a broken quote, a bad JSON line, too many cells): reported, skipped."""

    line: int
    column: int
    message: str
    row: int = 0  # the data row's number, as a Row has it


class Recipients:
    """A recipients file opened for reading: its header, then its rows, one at a time.
    `empty_rows` counts the rows with no value at all (Excel's trailing `,,,,`), skipped."""

    def __init__(self, path: Path, delimiter: str | None = None) -> None:
        suffix = path.suffix.lower()
        if suffix in _WORKBOOK_SUFFIXES:
            raise Unreadable(path, f"this is a spreadsheet workbook ({suffix}), not a CSV file; {SAVE_AS_CSV}")
        if suffix not in SUFFIXES:
            raise Unreadable(path, f"a recipients file is .csv or .jsonl, not {suffix or 'a file without a suffix'}")
        self.path = path
        self.kind = suffix[1:]
        self.header: list[Cell] = []
        self.problems: list[Problem] = []
        self.empty_rows = 0
        self.delimiter = delimiter or ","
        try:
            self._file = path.open("rb")
        except FileNotFoundError:
            raise Unreadable(path, "no such file or folder") from None
        except OSError as error:
            raise Unreadable(path, f"cannot be read: {error.strerror or error}") from None
        if self._file.peek(8)[:8].startswith(_WORKBOOK_MAGIC) if hasattr(self._file, "peek") else False:
            self._file.close()
            raise Unreadable(path, f"this is an Excel workbook, not a CSV file, whatever its name; {SAVE_AS_CSV}")
        self._lines = _Lines(self._text_lines())
        self.rows_before = 0  # a part of the file (`part`): the rows of the file before it
        if self.kind == "csv":
            self._read_header(delimiter)

    @classmethod
    def part(
        cls, path: Path, header: list[Cell], delimiter: str, data: bytes, first_line: int, rows_before: int
    ) -> Recipients:
        """The rows of a part of a CSV file (`ivrc.build.batch_spread`): its bytes, already found
        to be UTF-8, whose first line is `first_line` of the file and whose first row follows
        `rows_before` rows; the header was read from the whole file."""
        import io

        part = cls.__new__(cls)
        part.path, part.kind, part.header, part.delimiter = path, "csv", header, delimiter
        part.problems, part.empty_rows, part.rows_before = [], 0, rows_before
        part._file = io.BytesIO(data)  # type: ignore[assignment]
        part._lines = _Lines(enumerate((raw.decode("utf-8") for raw in part._file), start=first_line))
        return part

    def close(self) -> None:
        self._file.close()

    def position(self) -> int:
        """How many bytes of the file have been read so far (a little ahead of the rows given)."""
        return self._file.tell()

    def __enter__(self) -> Recipients:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def columns(self) -> list[str]:
        return [cell.value for cell in self.header]

    def _text_lines(self) -> Iterator[tuple[int, str]]:
        """(line number, text) with the line end kept, decoded as UTF-8 as the file streams in."""
        return enumerate(decode_lines(self._file, self.path), start=1)

    def _read_header(self, delimiter: str | None) -> None:
        for line, text in self._lines:
            if text.strip():
                self.delimiter = delimiter or _told_delimiter(text)
                cells, problem, _ = _split(text, line, self._lines, self.delimiter)
                if problem is not None:
                    raise RecipientsError(self.path, problem.message, problem.line, problem.column)
                self.header = cells
                break
        if not self.header:
            raise RecipientsError(
                self.path, "the file is empty; a recipients CSV starts with a header row of column names"
            )
        seen: dict[str, Cell] = {}
        for cell in self.header:
            if not cell.value.strip():
                raise RecipientsError(self.path, "a column of the header has no name", cell.line, cell.column)
            if cell.value in seen:
                raise RecipientsError(
                    self.path,
                    f"the header names `{cell.value}` twice (first at column {seen[cell.value].column})",
                    cell.line,
                    cell.column,
                )
            seen[cell.value] = cell

    def rows(self) -> Iterator[Row]:
        """Every readable row in file order; a row that cannot be read becomes a Problem."""
        reader = self._csv_rows if self.kind == "csv" else self._json_rows
        yield from reader()

    def _csv_rows(self) -> Iterator[Row]:
        number = self.rows_before
        width = len(self.header)
        for line, text in self._lines:
            if not text.strip():
                continue
            if not text.strip(self.delimiter + " \t\r\n"):
                self.empty_rows += 1  # a row of empty values, as spreadsheets leave at the end
                continue
            cells, problem, spanned = _split(text, line, self._lines, self.delimiter)
            number += 1  # a row that cannot be read is still a row: those after it keep their numbers
            if spanned and (problem is not None or len(cells) != width):
                # A quote left open swallowed the lines after it: report it where it opened and
                # read those lines again as the rows they are.
                self._lines.push(spanned)
                opened = _open_quote(text)
                self.problems.append(
                    Problem(line, opened, f'row {number}: this quoted value has no closing `"` on its line', number)
                )
                continue
            if problem is not None:
                self.problems.append(Problem(problem.line, problem.column, f"row {number}: {problem.message}", number))
                continue
            if len(cells) != width:
                where = cells[width] if len(cells) > width else cells[-1]
                self.problems.append(
                    Problem(
                        where.line,
                        where.column,
                        f"row {number} has {len(cells)} values; the header names {width} columns",
                        number,
                    )
                )
                continue
            yield Row(number, line, {head.value: cell for head, cell in zip(self.header, cells, strict=True)})

    def _json_rows(self) -> Iterator[Row]:
        number = 0
        columns: dict[str, Cell] = {}
        for line, text in self._lines:
            if not text.strip():
                continue
            number += 1  # a line that cannot be read is still a row: those after it keep their numbers
            try:
                data = json.loads(text.rstrip("\r\n"))
            except ValueError as error:
                self.problems.append(
                    Problem(
                        line,
                        getattr(error, "colno", 1),
                        f"row {number}: not a JSON object: {getattr(error, 'msg', error)}",
                        number,
                    )
                )
                continue
            if not isinstance(data, dict):
                self.problems.append(
                    Problem(line, 1, f"row {number}: each line of a .jsonl recipients file is one JSON object", number)
                )
                continue
            if not data or all(value == "" for value in data.values()):
                number -= 1
                self.empty_rows += 1
                continue
            cells: dict[str, Cell] = {}
            bad = None
            for key, value in data.items():
                column = _json_column(text, key)
                if isinstance(value, bool) or not isinstance(value, (str, int)):
                    bad = Problem(
                        line,
                        column,
                        f"row {number}: `{key}` must be a text (or a whole number), not {type(value).__name__}",
                        number,
                    )
                    break
                cells[key] = Cell(str(value), line, column, len(json.dumps(key, ensure_ascii=False)))
                if key not in columns:
                    columns[key] = Cell(key, line, column, len(key) + 2)
            if bad is not None:
                self.problems.append(bad)
                continue
            yield Row(number, line, cells)
        self.header = list(columns.values())


def _json_column(text: str, key: str) -> int:
    found = text.find(json.dumps(key, ensure_ascii=False))
    return found + 1 if found >= 0 else 1


class _Lines:
    """The file's (line number, text) pairs, with lines pushed back to be read again."""

    def __init__(self, lines: Iterator[tuple[int, str]]) -> None:
        self._lines = lines
        self._back: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> tuple[int, str]:
        if self._back:
            return self._back.pop()
        return next(self._lines)

    def push(self, lines: list[tuple[int, str]]) -> None:
        self._back.extend(reversed(lines))


def _told_delimiter(header: str) -> str:
    """The separator a header row uses: of `,`, `;` and tab, the one it has most of outside quotes (`,` when none)."""
    bare = header.split('"')[0::2]
    counts = {d: sum(part.count(d) for part in bare) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open_quote(text: str) -> int:
    """The column of the quote that opens the value left open on this line."""
    inside = False
    opened = 1
    for index, char in enumerate(text):
        if char == '"':
            if not inside:
                opened = index + 1
            inside = not inside
    return opened


def _split(
    text: str, line: int, more: _Lines, delimiter: str = ","
) -> tuple[list[Cell], Problem | None, list[tuple[int, str]]]:
    """The cells of one CSV record and their places, and the lines after this one that a quoted
    field went on over (to read again, should that field prove to be a quote left open)."""
    body = text.rstrip("\r\n")
    if '"' not in body:  # the common case, at the speed of str.split
        cells = []
        column = 1
        for value in body.split(delimiter):
            cells.append(Cell(value, line, column, len(value)))
            column += len(value) + 1
        return cells, None, []
    spanned: list[tuple[int, str]] = []

    def following() -> tuple[int, str] | None:
        taken = next(more, None)
        if taken is not None:
            spanned.append(taken)
        return taken

    cells, problem = _split_quoted(text, line, following, delimiter)
    return cells, problem, spanned


def _split_quoted(
    text: str, line: int, more: Callable[[], tuple[int, str] | None], delimiter: str
) -> tuple[list[Cell], Problem | None]:
    cells: list[Cell] = []
    position = 0
    column = 1
    current_line = line
    while True:
        start_line, start_column = current_line, column
        if position < len(text) and text[position] == '"':
            value: list[str] = []
            position += 1
            width = 1
            while True:
                if position >= len(text):
                    following = more()
                    if following is None:
                        return cells, Problem(start_line, start_column, 'this quoted value has no closing `"`')
                    current_line, text = following
                    position = 0
                    continue
                char = text[position]
                if char == '"':
                    if text[position + 1 : position + 2] == '"':
                        value.append('"')
                        position += 2
                        width += 2
                        continue
                    position += 1
                    width += 1
                    break
                value.append(char)
                position += 1
                width += 1
            rest = text[position:].rstrip("\r\n")
            if rest and not rest.startswith(delimiter):
                return cells, Problem(
                    current_line,
                    position + 1,
                    f"after a quoted value, expected `{_shown(delimiter)}` or the end of the line",
                )
            cells.append(Cell("".join(value), start_line, start_column, width))
        else:
            end = text.find(delimiter, position)
            stop = len(text.rstrip("\r\n")) if end < 0 else end
            raw = text[position:stop]
            if '"' in raw:
                return cells, Problem(
                    current_line,
                    position + raw.index('"') + 1,
                    'a `"` inside an unquoted value; quote the whole value and write the quote as `""`',
                )
            cells.append(Cell(raw, current_line, position + 1, len(raw)))
            position = stop
        remainder = text[position:].rstrip("\r\n")
        if not remainder:
            return cells, None
        position += 1  # the separator
        column = position + 1


def _shown(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else delimiter
