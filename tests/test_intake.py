"""A file a user sent is checked before anything opens it: zip bombs, entity bombs, zips that lie,
damaged or encrypted files, JSON too large or too deep. Each is refused in plain words naming the
file; a genuine workbook passes with a wide margin. Time and memory: benchmarks/sheets_safety.py."""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import tempfile
import zipfile
from pathlib import Path

import defusedxml
import openpyxl
import openpyxl.xml.functions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile_files import (
    MB,
    billion_laughs_workbook,
    genuine_workbook,
    lying_zip,
    replace_part,
    workbook_bytes,
    zero_bomb,
)
from raterkit.cli import main
from raterkit.errors import Problem
from raterkit.interchange import intake
from raterkit.interchange.intake import JsonLimits, ZipLimits

#: Every limit a quarter of what raterkit allows: a genuine workbook must pass even these.
QUARTER = ZipLimits(file_bytes=25 * MB, entries=2_500, total_bytes=50 * MB, entry_bytes=25 * MB, ratio=25)


def _only(problems: list[Problem], path: Path) -> str:
    """The one problem's text, after checking it names the file and is plain words."""
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.path == str(path)
    text = str(problem)
    assert "Traceback" not in text and "zipfile." not in text
    assert problem.hint
    return text


def _no_part_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a part was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


# --------------------------------------------------------------------------------------------
# what must pass


def test_a_genuine_workbook_opens_even_under_a_quarter_of_every_limit(tmp_path: Path) -> None:
    path = genuine_workbook(tmp_path / "statements.xlsx", statements=1_000)
    assert intake.check_workbook(path) == []
    assert intake.check_workbook(path, QUARTER) == []
    with path.open("rb") as handle:
        assert openpyxl.load_workbook(handle).active["E2"].value.count(" ") == 29  # type: ignore[index,union-attr]


@pytest.mark.slow
def test_a_workbook_of_ten_thousand_statements_opens_under_a_quarter_of_every_limit(tmp_path: Path) -> None:
    path = genuine_workbook(tmp_path / "statements.xlsx", statements=10_000, words=60)
    assert intake.check_workbook(path, QUARTER) == []
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > intake.ZIP_LIMITS.ratio_above  # so the ratio limit was applied to it


# --------------------------------------------------------------------------------------------
# zip bombs


def test_a_10_gb_zip_bomb_is_refused_from_its_directory_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = zero_bomb(tmp_path / "bomb.xlsx", gigabytes=10)
    assert path.stat().st_size < 12 * MB
    with zipfile.ZipFile(path) as archive:  # a well-formed zip: its directory reads as 10 GB
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 10 * 1024 * MB
    _no_part_is_opened(monkeypatch)
    text = _only(intake.check_workbook(path), path)
    assert "expands to 10 GB when unzipped, more than the 200 MB raterkit opens" in text
    assert "raterkit does not open it" in text and "zip bomb" in text


def test_a_small_part_with_an_extreme_ratio_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = zero_bomb(tmp_path / "bomb.xlsx", gigabytes=0.05)  # 51 MB of zeros in 50 KB: under the size limits
    _no_part_is_opened(monkeypatch)
    text = _only(intake.check_workbook(path), path)
    assert "holds a part (xl/worksheets/sheet1.xml) that expands 1,0" in text
    assert "times when unzipped" in text and "refuses more than 100" in text


def test_a_part_too_large_on_its_own_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook_bytes())
    text = _only(intake.check_workbook(path, ZipLimits(entry_bytes=1000)), path)
    assert "that expands to" in text and "more than the 1,000 bytes raterkit opens" in text


def test_a_zip_of_too_many_parts_is_refused_before_its_directory_is_read(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    path.write_bytes(workbook_bytes())
    with zipfile.ZipFile(path) as archive:
        count = len(archive.infolist())
    text = _only(intake.check_workbook(path, ZipLimits(entries=count - 1)), path)
    assert f"holds {count} parts, more than the {count - 1} raterkit opens" in text
    assert intake.check_workbook(path, ZipLimits(entries=count)) == []


def test_a_zip64_directory_of_too_many_parts_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytearray(zero_bomb(tmp_path / "bomb.xlsx", gigabytes=0.001).read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 0xFFFF, 0xFFFF)  # "see the ZIP64 record"
    record = data.rfind(b"PK\x06\x06")
    struct.pack_into("<QQ", data, record + 24, 3_000_000, 3_000_000)  # entries on this disk, in all
    path = tmp_path / "many.xlsx"
    path.write_bytes(bytes(data))
    monkeypatch.setattr(zipfile, "ZipFile", None)  # refused before zipfile reads the directory
    assert "holds 3,000,000 parts, more than the 10,000 raterkit opens" in _only(intake.check_workbook(path), path)


def test_a_part_compressed_with_bzip2_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bz.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    text = _only(intake.check_workbook(path), path)
    assert "holds a part ([Content_Types].xml) compressed with bzip2, which spreadsheets never use" in text


def test_a_file_too_large_on_disk_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook_bytes())
    assert "more than the 1,000 bytes raterkit opens" in _only(
        intake.check_workbook(path, ZipLimits(file_bytes=1000)), path
    )


def test_a_zip_that_lies_about_its_sizes_is_refused(tmp_path: Path) -> None:
    path = lying_zip(tmp_path / "lying.xlsx", real_megabytes=50, declared=1000)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    text = _only(intake.check_workbook(path), path)
    assert "holds a part (xl/worksheets/sheet1.xml) that does not match its zip directory" in text


def test_the_bounded_reader_stops_at_its_limit_whatever_the_directory_says(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(replace_part(workbook_bytes(), "xl/worksheets/sheet1.xml", bytes(3 * MB)))
    read = 0
    with zipfile.ZipFile(path) as archive, pytest.raises(intake.TooLarge):
        for chunk in intake.read_part(archive, "xl/worksheets/sheet1.xml", limit=MB):
            read += len(chunk)
    assert read <= MB
    with zipfile.ZipFile(path) as archive:
        assert sum(map(len, intake.read_part(archive, "xl/worksheets/sheet1.xml", limit=3 * MB))) == 3 * MB


# --------------------------------------------------------------------------------------------
# entity bombs and external entities


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "UTF-16-LE"])
def test_a_billion_laughs_sheet_is_refused(tmp_path: Path, encoding: str) -> None:
    path = billion_laughs_workbook(tmp_path / "laughs.xlsx", encoding)
    text = _only(intake.check_workbook(path), path)
    assert "holds a part (xl/worksheets/sheet1.xml) that declares a DOCTYPE or entities" in text
    assert "billion laughs" in text


def test_an_external_entity_is_refused_in_any_part(tmp_path: Path) -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    path = tmp_path / "xxe.xlsx"
    path.write_bytes(replace_part(workbook_bytes(), "docProps/core.xml", xxe))
    assert "holds a part (docProps/core.xml) that declares" in _only(intake.check_workbook(path), path)


def test_a_declaration_across_two_chunks_is_found(tmp_path: Path) -> None:
    filler = base64.b64encode(random.Random(4).randbytes(MB))[: MB - 4]  # text that does not compress away
    part = filler + b"<!DOCTYPE r [<!ENTITY a 'b'>]><r/>"
    path = tmp_path / "split.xlsx"
    path.write_bytes(replace_part(workbook_bytes(), "xl/styles.xml", part))
    assert "holds a part (xl/styles.xml) that declares" in _only(intake.check_workbook(path), path)


def test_a_part_in_an_encoding_the_scan_cannot_read_is_refused(tmp_path: Path) -> None:
    """In EBCDIC, "<!DOCTYPE" has other bytes, which the scan does not look for: such a part is refused outright."""
    part = b'<?xml version="1.0" encoding="cp500"?>' + "<!DOCTYPE r [<!ENTITY a 'b'>]><r>&a;</r>".encode("cp500")
    path = tmp_path / "ebcdic.xlsx"
    path.write_bytes(replace_part(workbook_bytes(), "xl/worksheets/sheet1.xml", part))
    text = _only(intake.check_workbook(path), path)
    assert "holds a part (xl/worksheets/sheet1.xml) written in the text encoding 'cp500'" in text


def test_text_about_a_doctype_inside_a_cell_is_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook_bytes([["<!DOCTYPE html>", "<!ENTITY x 'y'>"]]))  # escaped as &lt; in the XML
    assert intake.check_workbook(path) == []


def test_openpyxl_reads_xml_through_defusedxml(tmp_path: Path) -> None:
    """The second wall: were a DOCTYPE to get past intake, openpyxl's parser refuses it."""
    assert openpyxl.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")
    assert openpyxl.xml.functions.fromstring.__module__.startswith("defusedxml")
    path = billion_laughs_workbook(tmp_path / "laughs.xlsx")
    with path.open("rb") as handle, pytest.raises(ValueError, match="Unable to read workbook") as caught:
        openpyxl.load_workbook(handle)
    assert isinstance(caught.value.__cause__ or caught.value.__context__, defusedxml.EntitiesForbidden)


# --------------------------------------------------------------------------------------------
# files that are not what they claim


def test_a_text_file_named_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ratings.xlsx"
    path.write_text("rater,item,rating\nAna,cp1-01,III\n")
    assert "is not an Excel workbook raterkit can read (an .xlsx file is a zip, and this file is not one)" in _only(
        intake.check_workbook(path), path
    )


def test_a_workbook_cut_short_is_called_damaged(tmp_path: Path) -> None:
    data = workbook_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert "is damaged: it begins as a zip file (.xlsx) but its end is missing" in _only(
        intake.check_workbook(path), path
    )


def test_an_old_xls_or_a_password_protected_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    text = _only(intake.check_workbook(path), path)
    assert "older Excel file (.xls) or a workbook saved with a password" in text


def test_an_encrypted_zip_is_refused(tmp_path: Path) -> None:
    data = bytearray(workbook_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        infos = archive.infolist()
    for info in infos:  # set the "encrypted" flag in each part's local and directory headers
        data[info.header_offset + 6] |= 1
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 8] |= 1
        at = data.find(b"PK\x01\x02", at + 1)
    path = tmp_path / "secret.xlsx"
    path.write_bytes(bytes(data))
    assert "is encrypted" in _only(intake.check_workbook(path), path)


def test_other_zips_are_not_workbooks(tmp_path: Path) -> None:
    ods, other = tmp_path / "sheet.ods", tmp_path / "photos.zip"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("a.txt", "hello")
    assert "is an OpenDocument spreadsheet (.ods), not an Excel workbook (.xlsx)" in _only(
        intake.check_workbook(ods), ods
    )
    assert "is a zip file, not an Excel workbook (.xlsx)" in _only(intake.check_workbook(other), other)
    assert intake.check_zip(other) == []


def test_messages_name_the_file_as_the_user_gave_it(tmp_path: Path) -> None:
    path = zero_bomb(tmp_path / "bomb.xlsx", gigabytes=1)
    (problem,) = intake.check_workbook(path, shown="inbox/ratings.xlsx")
    assert str(problem).startswith("inbox/ratings.xlsx: expands to 1 GB when unzipped")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("a.txt", "hello")
    (problem,) = intake.check_workbook(other, shown="other.zip")
    assert problem.path == "other.zip"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.xlsx"
    assert "cannot be read: No such file or directory" in _only(intake.check_workbook(path), path)


# --------------------------------------------------------------------------------------------
# JSON (raterkit import case)


def test_json_within_the_limits_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({"a": [{"b": '[[[[{{{{ not nesting " [[[\\'}]}), encoding="utf-8")
    value, problems = intake.read_json(path, JsonLimits(depth=3))
    assert problems == [] and value == {"a": [{"b": '[[[[{{{{ not nesting " [[[\\'}]}


def test_json_nested_too_deep_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{\n"a": ' + "[" * 64 + "]" * 64 + "\n}", encoding="utf-8")
    value, problems = intake.read_json(path)
    assert value is None and len(problems) == 1
    assert problems[0].line == 2 and "is nested more than 64 levels deep; raterkit does not open it" in str(problems[0])
    path.write_text('{\n"a": ' + "[" * 63 + "]" * 63 + "\n}", encoding="utf-8")
    value, problems = intake.read_json(path)
    assert problems == [] and isinstance(value, dict)


def test_json_too_large_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.truncate(51 * MB)  # sparse: costs no disk
    value, problems = intake.read_json(path)
    assert value is None
    assert "is larger than the 50 MB raterkit opens as JSON; raterkit does not open it" in _only(problems, path)


def test_json_that_is_broken_or_not_utf8_names_the_line(tmp_path: Path) -> None:
    broken, latin = tmp_path / "broken.json", tmp_path / "latin.json"
    broken.write_text('{\n  "a": 1,\n  "b": \n}', encoding="utf-8")
    latin.write_bytes('{\n"name": "Zoë"\n}'.encode("latin-1"))
    (problem,) = intake.read_json(broken)[1]
    assert problem.line == 4 and "is not valid JSON: Expecting value" in problem.message
    (problem,) = intake.read_json(latin)[1]
    assert problem.line == 2 and "is not UTF-8 text" in problem.message


def test_import_case_refuses_a_json_file_too_large_or_too_deep(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    huge, deep, out = tmp_path / "huge.json", tmp_path / "deep.json", tmp_path / "out.yaml"
    with huge.open("wb") as handle:
        handle.truncate(51 * MB)
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["import", "case", str(huge), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{huge}: is larger than the 50 MB raterkit opens as JSON" in err and "nothing was written" in err
    assert main(["import", "case", str(deep), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{deep}:1: is nested more than 64 levels deep" in err and "Traceback" not in err
    assert main(["import", "case", str(tmp_path / "none.json"), "-o", str(out)]) == 2
    assert "there is no such file" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<!>&\"'\t\n"), max_size=60
            ),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=30,
    )
)
def test_any_text_a_person_types_passes(rows: list[list[str]]) -> None:
    """No false alarm: whatever text the cells hold (markup, "<!DOCTYPE", entities, any script),
    a workbook written by openpyxl passes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "typed.xlsx"
        path.write_bytes(workbook_bytes([["<!DOCTYPE x>", "<!ENTITY y 'z'>"], *rows]))
        assert intake.check_workbook(path) == []
