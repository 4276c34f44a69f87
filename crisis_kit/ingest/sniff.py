"""Sniff an export: its encoding, its delimiter and its header.

Excel on a Chinese Windows saves GBK (read as GB18030, its superset), on a Japanese
one Shift_JIS, elsewhere Windows-1252, or UTF-8 with a BOM ("CSV UTF-8"), or UTF-16
with a BOM ("Unicode text"). A strict UTF-8 pass decides first (a file that decodes
as UTF-8 is UTF-8); BOMs decide outright; otherwise charset-normalizer chooses among
the legacy encodings, with the marketplace's usual encoding as a tie-breaker.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import InputError

__all__ = ["Sniffed", "sniff", "check_file", "decode_to_utf8", "normalise_header"]

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_LEGACY = ["cp1252", "gb18030", "shift_jis"]
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Sniffed:
    """What a first look at a file found.

    Attributes
    ----------
    encoding : str
        Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``,
        ``gb18030``, ``shift_jis``).
    kind : str
        ``delimited``, ``json``, ``xlsx``, ``xls`` (legacy, refused) or ``html`` (a table
        saved as .xls).
    delimiter : str
        Field separator for delimited files.
    header : list of str
        Column names as written (BOM and surrounding space removed).
    bad_lines : tuple of int
        1-based physical lines that are not valid in ``encoding`` (a file mixing
        encodings); they are quarantined, never guessed.
    """

    encoding: str
    kind: str
    delimiter: str = ","
    header: tuple[str, ...] = ()
    bad_lines: tuple[int, ...] = ()


def _plain_header(name: str) -> str:
    """A column name as written, made comparable.

    Lower case; NFKC (full-width brackets and non-breaking spaces as ASCII); en, em and
    minus dashes as ``-``; single spaces; outer quotes dropped.
    """
    name = unicodedata.normalize("NFKC", name.replace("\ufeff", ""))
    name = name.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    return " ".join(name.strip().strip('"').strip().lower().split())


@lru_cache(maxsize=1)
def header_synonyms() -> dict[str, str]:
    """Localised header -> the English header it stands for (both as matched).

    From ``crisis_kit/data/header_synonyms.csv``: the Business Report's headers as Seller
    Central writes them in German, Chinese, Japanese and Spanish (two Italian column names
    too), each with its source.
    """
    path = resources.files("crisis_kit") / "data" / "header_synonyms.csv"
    with resources.as_file(path) as csv_path, open(csv_path, encoding="utf-8", newline="") as f:
        return {_plain_header(row["header"]): _plain_header(row["english"])
                for row in csv.DictReader(f)}


def normalise_header(name: str) -> str:
    """Column name as matched: :func:`_plain_header`, then a localised name as its English one.

    ``（子）ASIN``, ``(Untergeordnete) ASIN`` and ``(Child) ASIN`` all match as
    ``(child) asin``; ``Sitzungen – Summe`` (with an en dash and a non-breaking space)
    as ``sessions - total``.
    """
    plain = _plain_header(name)
    return header_synonyms().get(plain, plain)


def check_file(path: Path) -> None:
    """Refuse a directory, a missing file or an empty one, naming it and the fix."""
    if path.is_dir():
        raise InputError(
            f"{str(path)!r} is a directory, not an export file",
            str(path),
            "name a file inside it (a glob such as 'exports/*.csv' in incident.yaml takes many)",
        )
    if not path.exists():
        raise InputError(f"{str(path)!r} does not exist", str(path), "check the path")
    if path.stat().st_size == 0:
        raise InputError(
            "the file is empty (0 bytes)", str(path), "export the report again from Seller Central"
        )


def _utf8_bad_lines(path: Path) -> tuple[bool, list[int], int]:
    """Decode the file strictly as UTF-8, line by line where it fails.

    Returns (has_non_ascii, bad line numbers, count of good non-ASCII lines).
    """
    data_ok = True
    decoder = codecs.getincrementaldecoder("utf-8")()
    non_ascii = False
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if not non_ascii and not chunk.isascii():
                non_ascii = True
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                data_ok = False
                break
        if data_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                data_ok = False
    if data_ok:
        return non_ascii, [], 0
    bad, good_non_ascii = [], 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good_non_ascii += 1
            except UnicodeDecodeError:
                bad.append(number)
    return True, bad, good_non_ascii


def _detect_encoding(path: Path, head: bytes, hint: str | None) -> tuple[str, list[int]]:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, []
    _, bad, good_non_ascii = _utf8_bad_lines(path)
    if not bad:
        return "utf-8", []
    if good_non_ascii and len(bad) < good_non_ascii:
        # Mostly UTF-8 with a few lines from another encoding: quarantine those lines.
        return "utf-8", bad
    with path.open("rb") as handle:
        sample = handle.read(4 * _CHUNK)
    best = from_bytes(sample, cp_isolation=_LEGACY).best()
    candidates = ([best.encoding] if best else []) + ([hint] if hint else []) + _LEGACY
    for name in candidates:
        codec = codecs.lookup(name).name
        if codec in {"gbk", "gb2312"}:
            codec = "gb18030"
        try:
            sample.decode(codec)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # a character cut at the sample's end is fine
                continue
        return codec, []
    return "cp1252", []


def _kind(path: Path, head: bytes) -> str:
    """What the bytes are, whatever the name says (a CSV named .xlsx is a CSV)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"  # OLE2: a legacy Excel 97-2003 workbook
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    low = text[:4096].lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table")) or (
            low.startswith(b"<") and b"<table" in low):
        return "html"  # an "Excel" download that is an HTML table named .xls
    if text[:1] in (b"{", b"["):
        return "json"
    return "delimited"


def _first_line(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        text = handle.read(256 * 1024)
    first = io.StringIO(text).readline()
    return first.rstrip("\r\n")


def sniff(path: str | Path, encoding_hint: str | None = None, encoding: str | None = None) -> Sniffed:
    """Look at a file and say how to read it.

    Parameters
    ----------
    path : str or Path
        The export.
    encoding_hint : str, optional
        The marketplace's usual legacy encoding, used to break ties.
    encoding : str, optional
        Force an encoding (from ``incident.yaml``).

    Raises
    ------
    InputError
        For a directory, a missing or an empty file.
    """
    path = Path(path)
    check_file(path)
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    kind = _kind(path, head)
    if kind in ("xlsx", "xls"):
        return Sniffed(encoding="binary", kind=kind)
    bad_lines: list[int] = []
    if encoding is None:
        encoding, bad_lines = _detect_encoding(path, head, encoding_hint)
    if kind in ("json", "html"):
        return Sniffed(encoding=encoding, kind=kind, bad_lines=tuple(bad_lines))
    line = _first_line(path, encoding)
    if not line.strip():
        raise InputError(
            "the first line is blank, so the file has no header",
            f"{path}, line 1",
            "remove the blank lines above the header",
        )
    counts = {d: line.count(d) for d in ("\t", ",", ";", "|")}
    delimiter = max(counts, key=lambda d: (counts[d], d == "\t"))
    try:
        header = next(csv.reader([line], delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(
            f"the first line cannot be read as a header ({exc})",
            f"{path}, line 1",
            "check that the file is a CSV or tab-separated export with its header on line 1",
        ) from None
    header = [h.replace("\ufeff", "").strip() for h in header]
    return Sniffed(encoding, "delimited", delimiter, tuple(header), tuple(bad_lines))


def decode_to_utf8(path: Path, encoding: str, target: Path, lossy_lines: set[int]) -> None:
    """Stream ``path`` into ``target`` as UTF-8.

    Used for encodings DuckDB does not read itself and for files that mix encodings:
    ``lossy_lines`` (1-based) are decoded with replacement characters so that the
    rows keep their numbers; the caller quarantines them. Line ends are kept.
    """
    if not lossy_lines:
        with path.open("r", encoding=encoding, newline="") as src, target.open(
            "w", encoding="utf-8", newline=""
        ) as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk.lstrip("\ufeff") if dst.tell() == 0 else chunk)
        return
    with path.open("rb") as src, target.open("wb") as dst:
        for number, line in enumerate(src, start=1):
            errors = "replace" if number in lossy_lines else "strict"
            text = line.decode(encoding, errors=errors)
            dst.write((text.lstrip("\ufeff") if number == 1 else text).encode("utf-8"))
