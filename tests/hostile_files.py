"""Hostile files made on the spot: zip bombs, an entity bomb inside a workbook, a zip that lies.

Shared by tests/test_intake.py and benchmarks/sheets_safety.py. Each returns the path it wrote.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

MB = 1024 * 1024
FRAMEWORKS = Path(__file__).resolve().parent.parent / "frameworks"

BILLION_LAUGHS = """<?xml version="1.0" encoding="{encoding}" standalone="yes"?>
<!DOCTYPE worksheet [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>
</worksheet>
"""


def workbook_bytes(rows: list[list[object]] | None = None) -> bytes:
    """A genuine small .xlsx, as openpyxl writes it."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows or [["rater", "item", "rating"], ["Ana", "cp1-01", "III"]]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def genuine_workbook(path: Path, statements: int = 10_000, words: int = 30) -> Path:
    """A workbook of ``statements`` rows of ``words`` words drawn from the shipped frameworks'
    vocabulary: what a real user sends, and what every limit must pass with a wide margin."""
    vocabulary = sorted(set(re.findall(r"[A-Za-z]{2,}", " ".join(p.read_text() for p in FRAMEWORKS.glob("*.yaml")))))
    pick = random.Random(13).choice
    rows: list[list[object]] = [["framework", "competency", "level", "criterion", "statement"]]
    for n in range(statements):
        text = " ".join(pick(vocabulary) for _ in range(words))
        rows.append(
            ["acqdemo-cp1", f"competency-{n % 12}", ["I", "II", "III", "IV"][n % 4], f"criterion-{n % 5}", text]
        )
    path.write_bytes(workbook_bytes(rows))
    return path


def replace_part(workbook: bytes, name: str, data: bytes) -> bytes:
    """The workbook with one part's bytes replaced (the other parts copied as they were)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == name else source.read(info))
    return out.getvalue()


def billion_laughs_workbook(path: Path, encoding: str = "UTF-8") -> Path:
    """A genuine workbook whose first sheet declares the "billion laughs" entities (a few
    hundred bytes that expand to 3 GB of text in a parser that expands entities)."""
    sheet = BILLION_LAUGHS.format(encoding=encoding).encode(encoding.lower())
    path.write_bytes(replace_part(workbook_bytes(), "xl/worksheets/sheet1.xml", sheet))
    return path


def zero_bomb(path: Path, gigabytes: float = 10, name: str = "xl/worksheets/sheet1.xml") -> Path:
    """A zip holding one part of ``gigabytes`` GB of zero bytes, written directly (about 1 MB of
    file per GB, in well under a second for 10 GB; ZIP64, as its size needs). The deflate stream
    is one compressed megabyte of zeros repeated: a full flush resets the compressor, so each
    repetition is a valid block. The part's checksum is left 0: raterkit refuses the file from
    its directory, before reading a byte of the part."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    blocks = round(gigabytes * 1024)
    size, packed = blocks * MB, blocks * len(block) + len(end)
    encoded = name.encode()
    extra = struct.pack("<HHQQ", 0x0001, 16, size, packed)
    with path.open("wb") as out:
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, 0, 0xFFFFFFFF, 0xFFFFFFFF, len(encoded), len(extra)
            )
        )
        out.write(encoded + extra)
        for _ in range(blocks):
            out.write(block)
        out.write(end)
        directory_at = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50, 45, 45, 0, 8, 0, 0x21, 0, 0xFFFFFFFF, 0xFFFFFFFF, len(encoded), len(extra), 0, 0, 0, 0, 0,
            )
        )  # fmt: skip
        out.write(encoded + extra)
        directory_size = out.tell() - directory_at
        record_at = out.tell()
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, directory_size, directory_at))
        out.write(struct.pack("<IIQI", 0x07064B50, 0, record_at, 1))
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, directory_size, 0xFFFFFFFF, 0))
    return path


def lying_zip(path: Path, real_megabytes: int = 50, declared: int = 1000) -> Path:
    """A genuine workbook whose first sheet is ``real_megabytes`` MB of zeros while both the zip's
    directory and the part's own header say it is ``declared`` bytes."""
    data = bytearray(replace_part(workbook_bytes(), "xl/worksheets/sheet1.xml", bytes(real_megabytes * MB)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    encoded = info.filename.encode()
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(encoded)] != encoded:
        at = data.find(b"PK\x01\x02", at + 1)
    struct.pack_into("<I", data, at + 24, declared)
    path.write_bytes(bytes(data))
    return path
