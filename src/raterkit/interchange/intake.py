"""Refusing a file a user sent before anything opens it: zip bombs, XML entity bombs, oversized or deep JSON.

A spreadsheet (.xlsx) is a zip of XML parts. Before a reader parses one, ``check_workbook`` reads
the zip's directory (its declared sizes, nothing decompressed) and refuses a file whose parts
would unzip out of proportion; it then reads every part through a bounded reader, which stops
at the limit whatever the directory declared, and refuses a part that declares a DOCTYPE or an
entity (the "billion laughs" and external-entity attacks need one). ``read_json`` reads a JSON
file under a size limit and refuses nesting deeper than any real document needs.

Every function returns ``raterkit.errors.Problem`` values naming the file and saying plainly what
was refused and why; none raises for a bad file. The limits are chosen so that a genuine
workbook of 10,000 statements (1.6 MB, 7 MB unzipped) passes with a wide margin;
``docs/security.md`` states them.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import Problem

__all__ = [
    "JSON_LIMITS",
    "ZIP_LIMITS",
    "JsonLimits",
    "TooLarge",
    "ZipLimits",
    "check_workbook",
    "check_zip",
    "read_json",
    "read_part",
]

MB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """What a zip raterkit opens may hold. A genuine workbook of 10,000 statements of 60 words
    (benchmarks/sheets_safety.py): 1.6 MB on disk, 9 parts, 7.4 MB unzipped, its largest part at
    a ratio of 4.6 to 1; a 5 MB workbook like it unzips to about 25 MB."""

    file_bytes: int = 100 * MB  # the file as it lies on disk
    entries: int = 10_000  # parts in the zip
    total_bytes: int = 200 * MB  # all parts, unzipped
    entry_bytes: int = 100 * MB  # any one part, unzipped
    ratio: int = 100  # unzipped size over zipped size, for a part ...
    ratio_above: int = 1 * MB  # ... larger than this when unzipped (small parts compress as they like)


@dataclass(frozen=True)
class JsonLimits:
    """What a JSON file raterkit opens may hold. A CASE package of 10,000 statements is about 15 MB,
    nested 6 levels deep."""

    file_bytes: int = 50 * MB
    depth: int = 64


ZIP_LIMITS = ZipLimits()
JSON_LIMITS = JsonLimits()

#: How a DOCTYPE or an entity declaration can begin in a part, in every encoding an XML parser
#: reads without being told (UTF-8 and its ASCII-compatible kin, UTF-16 either way round).
_DECLARATIONS = tuple(
    word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(map(len, _DECLARATIONS)) - 1
_CHUNK = 1 * MB
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or an .xlsx Excel saved with a password
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_OF_DIRECTORY = b"PK\x06\x06"
#: Stored or deflated: all that Excel, LibreOffice and openpyxl write. Other methods (bzip2, LZMA)
#: are refused: zipfile decompresses them without an output bound per read.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}


#: Encodings in which the scan above finds a declaration. An XML part may name another (EBCDIC,
#: say, in which "<!DOCTYPE" has other bytes); spreadsheets never do, so such a part is refused.
_SCANNED_ENCODINGS = frozenset(
    {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be"}
    | {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}
)
_XML_DECLARATION = re.compile(r"""\A\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']{1,40})["']""")


def _declared_encoding(start: bytes) -> str | None:
    """The encoding an XML part's declaration names (``<?xml ... encoding="..."?>``), or None."""
    head = start[:400]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head.decode("utf-16", "replace")
    elif head[:2] == b"<\x00":
        text = head.decode("utf-16-le", "replace")
    elif head[:2] == b"\x00<":
        text = head.decode("utf-16-be", "replace")
    else:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    found = _XML_DECLARATION.match(text)
    return found.group(1) if found else None


class TooLarge(Exception):
    """Raised by ``read_part`` when a part unzips to more than its limit (caught by its callers here)."""


def _size(n: int) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):,.0f} GB"
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,} bytes"


def _refuse(path: Path, message: str, hint: str) -> list[Problem]:
    return [Problem(str(path), None, "", message, hint)]


_DOES_NOT_OPEN = "raterkit does not open it."
_ASK_AGAIN = "Ask the sender for the file again, or open it in Excel or LibreOffice and save it as a new .xlsx."


def check_zip(path: Path, limits: ZipLimits = ZIP_LIMITS, shown: str | None = None) -> list[Problem]:
    """Problems that make the zip at ``path`` unsafe or impossible to open; [] when it may be read.
    ``shown``: the file's name as the user gave it, for the messages (default: ``path``).

    Reads the zip's directory and then every part through ``read_part``: nothing is trusted
    from the directory alone, and at most ``limits.total_bytes`` are ever decompressed."""
    return _named(_check_zip(path, limits), shown)


def _named(problems: list[Problem], shown: str | None) -> list[Problem]:
    return [replace(p, path=shown) for p in problems] if shown is not None else problems


def _check_zip(path: Path, limits: ZipLimits) -> list[Problem]:
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
            if size > limits.file_bytes:
                return _refuse(
                    path,
                    f"is {_size(size)}, more than the {_size(limits.file_bytes)} raterkit opens; {_DOES_NOT_OPEN}",
                    "Split it into smaller files.",
                )
            declared = _declared_entries(handle, size)
    except OSError as exc:
        return _refuse(
            path, f"cannot be read: {exc.strerror or exc}", "Check the file's name and that you may read it."
        )
    if head.startswith(_OLE2):
        return _refuse(
            path,
            "is an older Excel file (.xls) or a workbook saved with a password; raterkit reads only .xlsx files without a password.",
            "Open it in Excel or LibreOffice, remove any password, and save it as an Excel workbook (.xlsx).",
        )
    if declared is not None and declared > limits.entries:
        return _too_many(path, declared, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            problems = _check_directory(path, infos, limits)
            if problems:
                return problems
            return _check_parts(path, archive, infos, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError) as exc:
        if not zipfile.is_zipfile(path):
            if head.startswith(b"PK\x03\x04"):
                return _refuse(
                    path,
                    f"is damaged: it begins as a zip file (.xlsx) but its end is missing or broken ({exc}); {_DOES_NOT_OPEN}",
                    "It may have been cut short while being copied or downloaded. " + _ASK_AGAIN,
                )
            return _refuse(
                path,
                "is not an Excel workbook raterkit can read (an .xlsx file is a zip, and this file is not one).",
                "Save it from Excel or LibreOffice as an Excel workbook (.xlsx).",
            )
        return _refuse(path, f"is damaged: its zip structure cannot be read ({exc}); {_DOES_NOT_OPEN}", _ASK_AGAIN)


def _declared_entries(handle: Any, size: int) -> int | None:
    """The entry count the zip's end-of-directory record declares, read before ``zipfile`` builds a
    record for every entry (a directory of millions of entries would cost seconds and gigabytes).
    A count of 0xFFFF defers to the ZIP64 end record, found through its locator just before.
    None when there is no such record (``zipfile`` then finds the file damaged or reads the count)."""
    tail = min(size, 22 + 65_535)
    handle.seek(size - tail)
    data = handle.read(tail)
    at = data.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(data) - at < 22:
        return None
    total = int(struct.unpack("<H", data[at + 10 : at + 12])[0])
    if total != 0xFFFF or at < 20 or data[at - 20 : at - 16] != _ZIP64_LOCATOR:
        return total
    (record_at,) = struct.unpack("<Q", data[at - 12 : at - 4])
    if record_at + 40 > size:
        return None
    handle.seek(record_at)
    record = handle.read(40)
    if record[:4] != _ZIP64_END_OF_DIRECTORY:
        return None
    return int(struct.unpack("<Q", record[32:40])[0])


def _too_many(path: Path, count: int, limits: ZipLimits) -> list[Problem]:
    return _refuse(
        path,
        f"holds {count:,} parts, more than the {limits.entries:,} raterkit opens (a spreadsheet has a few dozen); {_DOES_NOT_OPEN}",
        _ASK_AGAIN,
    )


def _check_directory(path: Path, infos: list[zipfile.ZipInfo], limits: ZipLimits) -> list[Problem]:
    if len(infos) > limits.entries:
        return _too_many(path, len(infos), limits)
    encrypted = [i.filename for i in infos if i.flag_bits & 0x1]
    if encrypted:
        return _refuse(
            path,
            f"is encrypted ({encrypted[0]} needs a password); raterkit opens only files without a password.",
            "Open it, remove the password, and save it again as an Excel workbook (.xlsx).",
        )
    for info in infos:
        if info.compress_type not in _METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            return _refuse(
                path,
                f"holds a part ({info.filename}) compressed with {method}, which spreadsheets never use; "
                f"{_DOES_NOT_OPEN}",
                "Open it in Excel or LibreOffice and save it as a new .xlsx, or ask the sender for it again.",
            )
    total = sum(i.file_size for i in infos)
    if total > limits.total_bytes:
        return _refuse(
            path,
            f"expands to {_size(total)} when unzipped, more than the {_size(limits.total_bytes)} raterkit opens "
            f"(a spreadsheet of 10,000 statements expands to about 8 MB); {_DOES_NOT_OPEN}",
            "A file this out of proportion is usually a 'zip bomb' meant to fill the memory or disk of the computer "
            "that opens it. If you expected a spreadsheet, ask the sender for it again.",
        )
    for info in infos:
        if info.file_size > limits.entry_bytes:
            return _refuse(
                path,
                f"holds a part ({info.filename}) that expands to {_size(info.file_size)} when unzipped, more than "
                f"the {_size(limits.entry_bytes)} raterkit opens; {_DOES_NOT_OPEN}",
                "Split the data into smaller files.",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_above and ratio > limits.ratio:
            return _refuse(
                path,
                f"holds a part ({info.filename}) that expands {ratio:,.0f} times when unzipped (the parts of a real "
                f"spreadsheet expand 3 to 15 times; raterkit refuses more than {limits.ratio}); {_DOES_NOT_OPEN}",
                "A part this out of proportion is usually a 'zip bomb' meant to fill the memory of the computer "
                "that opens it. If you expected a spreadsheet, ask the sender for it again.",
            )
    return []


def _check_parts(
    path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: ZipLimits
) -> list[Problem]:
    """Reads every part, bounded, and refuses one that declares a DOCTYPE or an entity.

    Every part is scanned, not only those named .xml: a workbook's relationships may point a
    reader at a part of any name. Decompressing costs at most ``limits.total_bytes`` in all,
    one chunk of memory at a time."""
    budget = limits.total_bytes
    for info in infos:
        if info.is_dir():
            continue
        tail = b""
        try:
            for n, chunk in enumerate(read_part(archive, info, min(limits.entry_bytes, budget))):
                budget -= len(chunk)
                encoding = _declared_encoding(chunk) if n == 0 else None
                if encoding is not None and encoding.lower().replace("_", "-") not in _SCANNED_ENCODINGS:
                    return _refuse(
                        path,
                        f"holds a part ({info.filename}) written in the text encoding '{encoding}', which "
                        f"spreadsheets never use (they use UTF-8); {_DOES_NOT_OPEN}",
                        "Open it in Excel or LibreOffice and save it as a new .xlsx, or ask the sender for it again.",
                    )
                window = tail + chunk
                if any(word in window for word in _DECLARATIONS):
                    return _refuse(
                        path,
                        f"holds a part ({info.filename}) that declares a DOCTYPE or entities, which a spreadsheet "
                        f"never needs; {_DOES_NOT_OPEN}",
                        "Declared entities can make a file expand to gigabytes when it is read (a 'billion laughs' "
                        "file) or make the reader fetch other files. Open it in Excel or LibreOffice and save it "
                        "as a new .xlsx, or ask the sender for it again.",
                    )
                tail = window[-_OVERLAP:]
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            return _refuse(
                path,
                f"holds a part ({info.filename}) that does not match its zip directory ({exc}); {_DOES_NOT_OPEN}",
                "A zip whose directory lies about its parts is damaged or made to harm. " + _ASK_AGAIN,
            )
        except TooLarge:
            return _refuse(
                path,
                f"holds a part ({info.filename}) that expands to more than its zip directory says (more than "
                f"{_size(min(limits.entry_bytes, limits.total_bytes))}); {_DOES_NOT_OPEN}",
                "A zip whose directory lies about its sizes is damaged or made to harm. " + _ASK_AGAIN,
            )
    return []


def read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo | str, limit: int) -> Iterator[bytes]:
    """The unzipped bytes of one part, in chunks, raising ``TooLarge`` as soon as more than ``limit``
    bytes come out, whatever the zip's directory declared about the part's size.

    ``zipfile`` also stops at the declared size and then finds the checksum wrong
    (``BadZipFile``); this bound holds whichever library reads the part."""
    got = 0
    with archive.open(info) as part:
        while chunk := part.read(min(_CHUNK, limit + 1 - got)):
            got += len(chunk)
            if got > limit:
                raise TooLarge(info if isinstance(info, str) else info.filename)
            yield chunk


def check_workbook(path: Path, limits: ZipLimits = ZIP_LIMITS, shown: str | None = None) -> list[Problem]:
    """Problems that stop raterkit opening the spreadsheet at ``path`` (.xlsx); [] when a reader
    (openpyxl) may open it. Call it before opening the file. ``shown``: the file's name as the
    user gave it, for the messages (default: ``path``)."""
    problems = _check_zip(path, limits)
    if problems:
        return _named(problems, shown)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        kind = "an OpenDocument spreadsheet (.ods)" if "mimetype" in names else "a zip file"
        return _named(
            _refuse(
                path,
                f"is {kind}, not an Excel workbook (.xlsx).",
                "Open it in Excel or LibreOffice and save it as an Excel workbook (.xlsx).",
            ),
            shown,
        )
    return []


# --------------------------------------------------------------------------------------------
# JSON

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def _deepest(data: bytes, limit: int) -> tuple[int, int] | None:
    """(depth, offset) where nesting first goes deeper than ``limit``; None when it never does.
    Strings are blanked first, so brackets inside text do not count."""
    text = _STRING.sub(lambda m: b'""', data) if b'"' in data else data
    depth = 0
    for match in _BRACKET.finditer(text):
        if match.group() in b"[{":
            depth += 1
            if depth > limit:
                return depth, match.start()
        else:
            depth -= 1
    return None


def read_json(path: Path, limits: JsonLimits | None = None) -> tuple[Any, list[Problem]]:
    """(the JSON value in the file at ``path``, []) or (None, problems): a file over
    ``limits.file_bytes`` is refused unread, one nested deeper than ``limits.depth`` before it
    is parsed, and text that is not UTF-8 or not JSON with the line where it goes wrong.
    ``limits`` left out: ``JSON_LIMITS``."""
    limits = limits or JSON_LIMITS
    try:
        with path.open("rb") as handle:
            # the size on disk refuses a large file unread; the bounded read, one that grows meanwhile
            too_large = os.fstat(handle.fileno()).st_size > limits.file_bytes
            data = b"" if too_large else handle.read(limits.file_bytes + 1)
    except OSError as exc:
        return None, _refuse(
            path, f"cannot be read: {exc.strerror or exc}", "Check the file's name and that you may read it."
        )
    if too_large or len(data) > limits.file_bytes:
        return None, _refuse(
            path,
            f"is larger than the {_size(limits.file_bytes)} raterkit opens as JSON; {_DOES_NOT_OPEN}",
            "A CASE package of 10,000 statements is about 15 MB. Check that this is the file you meant.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            Problem(
                str(path), line, "", "is not UTF-8 text, so it is not JSON", "Save or export the file again as UTF-8."
            )
        ]
    deep = _deepest(data, limits.depth)
    if deep is not None:
        line = data.count(b"\n", 0, deep[1]) + 1
        return None, [
            Problem(
                str(path),
                line,
                "",
                f"is nested more than {limits.depth} levels deep; {_DOES_NOT_OPEN}",
                "Real documents nest a few levels; a file nested this deep is damaged or made to exhaust the reader.",
            )
        ]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                str(path),
                exc.lineno,
                "",
                f"is not valid JSON: {exc.msg} (column {exc.colno})",
                "Export the file again from the program that made it.",
            )
        ]
    except (ValueError, RecursionError) as exc:  # e.g. a number with more digits than Python converts
        return None, [Problem(str(path), None, "", f"is not JSON raterkit can read: {exc}", "Export the file again.")]
