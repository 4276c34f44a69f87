"""Spreadsheets as sellers save them: the header found, whatever sits above it.

A seller's workbook often opens on a notes sheet, or puts a title and a blank row above
the header; Seller Central's "Excel" downloads of some reports are HTML tables named
``.xls``; a half-finished download is a broken zip. Each sheet (each HTML table) is
searched for a known header within its first :data:`HEADER_SEARCH_ROWS` rows; the first
one the caller accepts is read, and the reader says which sheet and which row it was.
Anything else is refused with what the file is and how to save it, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["HEADER_SEARCH_ROWS", "Table", "read_workbook", "read_html_tables", "refuse_xls"]

HEADER_SEARCH_ROWS = 20
"""How far down each sheet the header is looked for."""

Accept = Callable[[list[str]], bool]


@dataclass
class Table:
    """The table found in a spreadsheet: its header and its data rows as records.

    ``sheet`` is the sheet's name (HTML: ``table 1``, ``table 2``, ...); ``header_row`` the
    1-based row of the header in that sheet. Data rows are numbered from the row after
    the header (1 = the first data row), as in a CSV export.
    """

    header: list[str]
    records: Iterator[dict[str, Any]]
    sheet: str
    header_row: int


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime | dt.date):
        return cell.isoformat()
    return str(cell).strip()


def _blank(row: tuple[Any, ...] | list[Any]) -> bool:
    return all(_text(c) == "" for c in row)


def _header_of(row: tuple[Any, ...] | list[Any]) -> list[str]:
    header = [_text(c) for c in row]
    while header and header[-1] == "":
        header.pop()
    return header


def _refused(path: Path, tried: list[tuple[str, list[str]]], sheet: str | None) -> InputError:
    seen = "; ".join(f"{name!r}: first row {', '.join(cells[:8]) or '(empty)'}"
                     for name, cells in tried[:6])
    where = f"{path}, sheet {sheet!r}" if sheet else str(path)
    return InputError(
        f"no known export header in the first {HEADER_SEARCH_ROWS} rows of "
        f"{'this sheet' if sheet else 'any sheet'} ({seen})",
        where,
        "name the sheet that holds the export with `sheet:` for this file in incident.yaml "
        "(or --sheet), give a `mapping:` for its columns, or export the report again",
    )


def read_workbook(path: Path, accept: Accept, sheet: str | None = None) -> Table:
    """The first sheet (or ``sheet``) with a header ``accept`` takes, within its first rows.

    Raises
    ------
    InputError
        A file that is not a readable xlsx workbook (a broken or partial download), a
        ``sheet`` the workbook does not have, or no accepted header in any sheet.
    """
    from openpyxl import load_workbook  # heavy; only when a workbook is read
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(
            f"the file is not a readable Excel workbook ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'damaged'}): a broken or partial "
            "download, or another kind of file named .xlsx",
            str(path),
            "download the report again, or open it in Excel and save it as .xlsx or as "
            "CSV UTF-8",
        ) from None
    names = workbook.sheetnames
    if sheet is not None and sheet not in names:
        workbook.close()
        raise InputError(f"the workbook has no sheet {sheet!r} (its sheets: {', '.join(names)})",
                         str(path), "correct `sheet:` in incident.yaml to one of those names")
    tried: list[tuple[str, list[str]]] = []
    for name in [sheet] if sheet is not None else names:
        rows = workbook[name].iter_rows(values_only=True)
        first: list[str] | None = None
        for number, row in enumerate(rows, start=1):
            if number > HEADER_SEARCH_ROWS:
                break
            if _blank(row):
                continue
            header = _header_of(row)
            first = first if first is not None else header
            if accept(header):
                return Table(header, _records(header, rows, workbook.close), name, number)
        tried.append((name, first or []))
    workbook.close()
    raise _refused(path, tried, sheet)


def _records(header: list[str], rows: Iterator[tuple[Any, ...]],
             done: Callable[[], None]) -> Iterator[dict[str, Any]]:
    for row in rows:
        if _blank(row):
            continue
        yield dict(zip(header, row, strict=False))
    done()


def read_html_tables(path: Path, encoding: str, accept: Accept) -> Table:
    """The first HTML table whose header row ``accept`` takes (an "Excel" .xls that is HTML).

    Raises
    ------
    InputError
        When no table of the page has an accepted header in its first rows.
    """
    from bs4 import BeautifulSoup  # installed with nbconvert; only when HTML is read

    soup = BeautifulSoup(path.read_text(encoding=encoding, errors="replace"), "html.parser")
    tried: list[tuple[str, list[str]]] = []
    for number, table in enumerate(soup.find_all("table"), start=1):
        rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
                for tr in table.find_all("tr")]
        name = f"table {number}"
        first: list[str] | None = None
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if _blank(row):
                continue
            header = _header_of(row)
            first = first if first is not None else header
            if accept(header):
                body = (dict(zip(header, r, strict=False)) for r in rows[index + 1:]
                        if not _blank(r))
                return Table(header, body, name, index + 1)
        tried.append((name, first or []))
    if not tried:
        raise InputError("the file is an HTML page with no table in it", str(path),
                         "export the report again as CSV or tab-separated text")
    raise _refused(path, tried, None)


def refuse_xls(path: Path) -> InputError:
    """A legacy Excel 97-2003 workbook: the kit reads .xlsx, CSV and text, not BIFF."""
    return InputError(
        "the file is a legacy Excel 97-2003 workbook (.xls, binary), which crisis-kit "
        "does not read",
        str(path),
        "open it in Excel and save it as .xlsx (Excel Workbook) or as CSV UTF-8",
    )
