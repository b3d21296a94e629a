"""Text in Cyrillic, Japanese and BOM-less UTF-16/32: the encoding is chosen, named and decoded
exactly as pandas decodes the file with the right ``encoding=`` (the known answer)."""

from __future__ import annotations

import importlib.util
import random
import struct
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from uxcx.ingest import IngestError, ingest_file
from uxcx.ingest.worker import convert

HERE = Path(__file__).parent / "data" / "encodings"
MESSY = Path(__file__).parent / "data" / "messy"
BINARY = "This file is not a CSV, TSV, Excel or Parquet file (it looks like binary data)."

# file, the codec uxcx must choose (and pandas is given), delimiter, how the first note names it
CASES = [
    ("russian_windows1251.csv", "windows-1251", ";",
     "Read as semicolon-separated text in Windows-1251 (Cyrillic) encoding."),
    ("japanese_shift_jis.csv", "shift_jis", ",",
     "Read as comma-separated text in Shift-JIS (Japanese) encoding."),
    ("japanese_cp932.csv", "cp932", ",",
     "Read as comma-separated text in Windows Shift-JIS (CP932, Japanese) encoding."),
    ("japanese_utf16le_no_bom.tsv", "utf-16-le", "\t",
     "Read as tab-separated text in UTF-16 little-endian encoding without a byte-order mark."),
    ("russian_utf16be_no_bom.csv", "utf-16-be", ";",
     "Read as semicolon-separated text in UTF-16 big-endian encoding without a byte-order mark."),
    ("german_windows1252_short.csv", "windows-1252", ";",
     "Read as semicolon-separated text in Windows-1252 encoding."),
]  # fmt: skip


def _convert(tmp_path: Path, src: Path):
    out = tmp_path / "out.parquet"
    return convert(src, out, work_dir=tmp_path), pq.read_table(out).to_pydict()


@pytest.mark.parametrize(("name", "codec", "sep", "note"), CASES, ids=[c[0] for c in CASES])
def test_encoding_is_chosen_named_and_decoded_like_pandas(tmp_path, name, codec, sep, note):
    r, data = _convert(tmp_path, HERE / name)
    assert r.encoding == codec
    assert r.notes[0] == note
    want = pd.read_csv(HERE / name, encoding=codec, sep=sep, dtype=str, keep_default_na=False)
    assert [c["name"] for c in r.columns] == list(want.columns)
    nps, csat = want.columns[2], want.columns[3]  # the NPS and CSAT answers, 0–10 and 1–5
    assert data[nps] == [int(v) for v in want[nps]]
    assert data[csat] == [int(v) for v in want[csat]]
    comments = want.columns[-1]
    assert data[comments] == [v or None for v in want[comments]]  # empty cells become nulls


def test_known_values_survive_the_round_trip(tmp_path):
    # Spelled out once, so a wrong codec on both sides (pandas and uxcx) cannot pass unseen.
    _, ru = _convert(tmp_path, HERE / "russian_windows1251.csv")
    assert ru["Тариф"][:3] == ["Базовый", "Про", "Про"]
    assert ru["Комментарий"][3] == "Ужасно: заказ пришёл сломанным"
    assert ru["Сумма заказа, руб."][0] == 1250.5  # a decimal comma in a semicolon file
    jis = tmp_path / "jis"
    jis.mkdir()
    _, ja = _convert(jis, HERE / "japanese_shift_jis.csv")
    # Shift-JIS 0x8160 is U+301C WAVE DASH; cp932 would read it as U+FF5E FULLWIDTH TILDE.
    assert "満足度（1〜5）" in ja
    assert ja["ご意見"][0] == "とても使いやすいです"


def test_short_western_text_stays_windows_1252(tmp_path):
    # charset-normalizer alone reads this German sample as a Central European code page; the
    # clean Windows-1252 decode of Western text wins, as it did before charset-normalizer.
    r, data = _convert(tmp_path, HERE / "german_windows1252_short.csv")
    assert data["Kunde"] == ["Jürgen Müller", "Jäger GmbH", "Björn Weiß"]
    assert data["Anmerkung"][0] == "Schöne Grüße"


def test_utf32_without_bom(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("Оценка;Комментарий\r\n9;Хорошо 👍\r\n4;Плохо\r\n".encode("utf-32-le"))
    r, data = _convert(tmp_path, src)
    assert r.encoding == "utf-32-le"
    assert data == {"Оценка": [9, 4], "Комментарий": ["Хорошо 👍", "Плохо"]}


def test_utf16_with_bom_is_unchanged(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes("Q\tR\n1\tx\n".encode("utf-16"))
    r, _ = _convert(tmp_path, src)
    assert (r.encoding, r.notes[0]) == ("utf-16", "Read as tab-separated text in UTF-16 encoding.")


@pytest.mark.parametrize(
    "data",
    [
        (MESSY / "garbage.bin").read_bytes(),
        bytes(range(256)) * 8,
        # Little 16-bit integers: every odd byte is NUL like UTF-16-LE text, but they decode to
        # control characters.
        struct.pack("<2048H", *random.Random(5).choices(range(256), k=2048)),
        # High bytes only, no NULs or controls: no encoding reads this as text.
        bytes(random.Random(9).choices(range(128, 256), k=4096)),
    ],
    ids=["garbage.bin", "all-bytes", "int16", "high-bytes"],
)
def test_binary_is_still_refused(tmp_path, data):
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    with pytest.raises(IngestError) as info:
        convert(src, tmp_path / "out.parquet", work_dir=tmp_path)
    assert str(info.value) == BINARY


def test_through_the_capped_worker(tmp_path):
    # charset-normalizer runs in the worker process, under its memory cap.
    r = ingest_file(HERE / "russian_windows1251.csv", tmp_path / "out" / "ru.parquet")
    assert r.encoding == "windows-1251" and r.rows == 8


def test_generator_reproduces_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_encodings", HERE / "make_encodings.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (HERE / path.name).read_bytes(), path.name
