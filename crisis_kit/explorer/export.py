"""Export of the explorer's selection to CSV and xlsx, safe to open in a spreadsheet.

Customer text is untrusted: a review reading ``=HYPERLINK(...)`` would run as a
formula when the CSV is opened in Excel or LibreOffice (CSV injection). Every text
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with ``'``, which spreadsheets show as text; the xlsx file carries the same
cells as plain strings, never formulas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["FORMULA_STARTS", "XLSX_MAX_ROWS", "Exported", "neutralise", "write_selection"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

XLSX_MAX_ROWS = 1_048_575
"""Data rows an xlsx sheet holds (one row goes to the header)."""

_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 forbids these


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the files and the number of events."""

    csv: Path
    xlsx: Path | None
    rows: int
    note: str = ""


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot be read as formulas.

    Examples
    --------
    >>> neutralise(pd.DataFrame({"text": ["=1+1", "fine", None]}))["text"].tolist()
    ["'=1+1", 'fine', None]
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            text = column.astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            out[name] = text.where(~risky, "'" + text.astype(str))
    return out


def write_selection(frame: pd.DataFrame, folder: str | Path, stem: str) -> Exported:
    """Write ``frame`` (the selected events) to ``folder/stem.csv`` and ``folder/stem.xlsx``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Each row represents one event of the selection (the events table with topics).
    folder : str or Path
        Created if missing.
    stem : str
        File name without extension.

    Returns
    -------
    Exported
        ``xlsx`` is None when the selection exceeds a sheet's rows (``note`` says so).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    safe = neutralise(frame)
    csv_path = folder / f"{stem}.csv"
    # utf-8-sig: Excel reads the BOM as UTF-8 and shows Chinese text correctly.
    safe.to_csv(csv_path, index=False, encoding="utf-8-sig")
    if len(safe) > XLSX_MAX_ROWS:
        return Exported(csv_path, None, len(safe),
                        f"{len(safe):,} rows exceed an xlsx sheet; only the CSV was written")
    cleaned = safe.copy()
    for name in cleaned.columns:
        if cleaned[name].dtype == object or pd.api.types.is_string_dtype(cleaned[name]):
            cleaned[name] = cleaned[name].astype(object).map(
                lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v)
    xlsx_path = folder / f"{stem}.xlsx"
    # openpyxl stores a string beginning with "=" as a formula: neutralised, none does.
    cleaned.to_excel(xlsx_path, index=False, sheet_name="selection", engine="openpyxl")
    return Exported(csv_path, xlsx_path, len(safe))
