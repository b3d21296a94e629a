"""Choosing a text file's encoding: byte-order marks, UTF-16/32 by their NUL bytes, strict UTF-8,
Windows-1252 for Western text, then charset-normalizer before a file is called binary.

The name chosen is a Python codec name written the way people know it ("windows-1251",
"shift_jis", "utf-16-le"): it decodes the file and is what the result reports.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .result import IngestError

# How the notes name an encoding ("Read as comma-separated text in ..."); others by label_name.
ENCODING_NAMES = {
    "utf-8": "UTF-8 encoding",
    "utf-8-sig": "UTF-8 encoding with a byte-order mark",
    "utf-16": "UTF-16 encoding",
    "utf-32": "UTF-32 encoding",
    "utf-16-le": "UTF-16 little-endian encoding without a byte-order mark",
    "utf-16-be": "UTF-16 big-endian encoding without a byte-order mark",
    "utf-32-le": "UTF-32 little-endian encoding without a byte-order mark",
    "utf-32-be": "UTF-32 big-endian encoding without a byte-order mark",
    "windows-1252": "Windows-1252 encoding",
    "iso-8859-1": "Latin-1 encoding",
    "windows-1250": "Windows-1250 (Central European) encoding",
    "windows-1251": "Windows-1251 (Cyrillic) encoding",
    "windows-1253": "Windows-1253 (Greek) encoding",
    "windows-1254": "Windows-1254 (Turkish) encoding",
    "windows-1255": "Windows-1255 (Hebrew) encoding",
    "windows-1256": "Windows-1256 (Arabic) encoding",
    "koi8-r": "KOI8-R (Cyrillic) encoding",
    "cp866": "DOS Cyrillic (CP866) encoding",
    "shift_jis": "Shift-JIS (Japanese) encoding",
    "cp932": "Windows Shift-JIS (CP932, Japanese) encoding",
    "euc_jp": "EUC-JP (Japanese) encoding",
    "gb18030": "GB18030 (Chinese) encoding",
    "gb2312": "GB2312 (Chinese) encoding",
    "gbk": "GBK (Chinese) encoding",
    "big5": "Big5 (Chinese) encoding",
    "euc_kr": "EUC-KR (Korean) encoding",
    "cp949": "CP949 (Korean) encoding",
}

BINARY_MESSAGE = "This file is not a CSV, TSV, Excel or Parquet file (it looks like binary data)."

# Byte-order marks; UTF-32's first, because UTF-32-LE's starts with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The Western code pages charset-normalizer may name for Western text it sees too little of
# (a short German sample comes back as cp775 or cp1250): a clean Windows-1252 decode wins.
_LATIN_GUESSES = re.compile(r"cp(125[02478]|437|775|850|858|1125)|iso8859-(1|2|3|4|9|10|13|14|15|16)|"
                            r"mac-(roman|latin2|iceland)|latin-1|hp-roman8|cp1006|ptcp154")  # fmt: skip


# Delimiters, digits, quotes and line ends: an encoding for a table must read them as ASCII.
_ASCII = b"\t\r\n ,;|\"'.-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def binary_error() -> IngestError:
    """The one sentence for a file that is not text."""
    return IngestError(BINARY_MESSAGE)


def encoding_name(encoding: str) -> str:
    """How a note names an encoding: "Windows-1251 (Cyrillic) encoding", "koi8-u encoding"."""
    return ENCODING_NAMES.get(encoding, f"{encoding} encoding")


def label(codec: str) -> str:
    """A codec as people name it ("cp1251" → "windows-1251"); Python still accepts the name."""
    name = codecs.lookup(codec).name
    if m := re.fullmatch(r"cp(125\d)", name):
        return f"windows-{m.group(1)}"
    if m := re.fullmatch(r"iso8859-(\d+)", name):
        return f"iso-8859-{m.group(1)}"
    return name


def looks_binary(sample: bytes) -> bool:
    """NUL bytes, or more control characters than text has (tab, line ends, form feed aside)."""
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 26, 27))
    return controls > max(2, len(sample) // 100)


def utf8_by_sample(sample: bytes) -> bool:
    """Whether choose_encoding says "utf-8" as soon as the rest of the file decodes too.

    No byte-order mark, no NUL lanes, not binary, and the first bytes are UTF-8 (a character
    cut at the sample's end aside). The typed reader then lets DuckDB check the rest: it
    refuses invalid UTF-8, and the worker then asks choose_encoding itself.
    """
    if any(sample.startswith(mark) for mark, _ in _BOMS) or looks_binary(sample):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample)
    except UnicodeDecodeError:
        return False
    return True


def decodes(src: Path, encoding: str) -> bool:
    """Whether the whole file decodes strictly (the staging reader decodes strictly too)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(src, "rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def choose_encoding(src: Path, sample: bytes, size: int) -> str:
    """The encoding of a text file whose first bytes are `sample`, or IngestError if binary."""
    bom = next((encoding for mark, encoding in _BOMS if sample.startswith(mark)), None)
    if bom in ("utf-16", "utf-32"):
        text = sample.decode(bom, errors="ignore")
        if not text.strip():
            raise IngestError("The file is empty.")
        if looks_binary(text.encode("utf-8")):
            raise binary_error()
        if not decodes(src, bom):
            # Found by fuzzing: a BOM over bytes that are not whole UTF-16/32 characters.
            raise IngestError(
                f"This file starts like {bom.upper()} text but is damaged further on, "
                "so uxcx could not read it."
            )
        return bom
    if bom is None and (wide := _wide_unicode(src, sample, size)):
        return wide
    if looks_binary(sample):
        raise binary_error()
    if bom == "utf-8-sig":
        return bom
    if decodes(src, "utf-8"):
        return "utf-8"
    western = decodes(src, "cp1252")
    if western and _reads_as_western(sample.decode("cp1252", errors="replace")):
        return "windows-1252"
    guess = _ask_charset_normalizer(src, sample, size, western)
    if guess:
        return guess
    high = sum(1 for b in sample if b >= 0x80)
    # Western text in a legacy code page has a few accented letters, not a third of the bytes.
    if high > len(sample) * 0.3:
        raise binary_error()
    return "windows-1252" if western else "iso-8859-1"


def _wide_unicode(src: Path, sample: bytes, size: int) -> str | None:
    """UTF-32 or UTF-16 without a byte-order mark, told by where the NUL bytes sit."""
    # Text in these encodings has NUL bytes in fixed positions of every code unit: ASCII "a"
    # is 61 00 in UTF-16-LE and 61 00 00 00 in UTF-32-LE. Binary data has them anywhere.
    if b"\x00" not in sample:
        return None
    candidates = []
    units4 = len(sample) // 4
    if size % 4 == 0 and units4:
        lanes = [sample[k : units4 * 4 : 4].count(0) / units4 for k in range(4)]
        if lanes[3] == 1 and lanes[2] >= 0.9 and lanes[0] < 0.5:
            candidates.append("utf-32-le")
        if lanes[0] == 1 and lanes[1] >= 0.9 and lanes[3] < 0.5:
            candidates.append("utf-32-be")
    units2 = len(sample) // 2
    if size % 2 == 0 and units2 and not candidates:
        even = sample[0 : units2 * 2 : 2].count(0)
        odd = sample[1 : units2 * 2 : 2].count(0)
        # ASCII delimiters, digits and line ends alone give a survey export a share of NULs in
        # one lane; CJK text puts a NUL in the other lane only for characters like U+4E00.
        if odd >= 0.05 * units2 and even <= odd / 10:
            candidates.append("utf-16-le")
        elif even >= 0.05 * units2 and odd <= even / 10:
            candidates.append("utf-16-be")
    for encoding in candidates:
        text = sample.decode(encoding, errors="ignore")
        if text.strip() and not looks_binary(text.encode("utf-8")) and decodes(src, encoding):
            return encoding
    return None


def _reads_as_western(text: str) -> bool:
    """Whether Windows-1252 text reads like a Western language rather than mojibake."""
    # Accented letters sit one or two at a time inside mostly-ASCII words ("Müller", "ação").
    # Cyrillic, Greek or Japanese bytes read as Windows-1252 give whole words of them
    # ("Óäîâëåòâîð¸ííîñòü") or a high share of them among the letters.
    high = sum(1 for c in text if ord(c) >= 0x80)
    if not high:
        return True
    letters = sum(1 for c in text if c.isalpha())
    runs = len(re.findall(r"[^\x00-\x7f\W\d_]{3,}", text))
    return high <= 0.2 * max(letters, 1) and runs <= max(1, high // 50)


def _ask_charset_normalizer(src: Path, sample: bytes, size: int, western: bool) -> str | None:
    """charset-normalizer's best reading that decodes the whole file, or None.

    When Windows-1252 decodes the file too (`western`), a guess wins only if it reads clearly
    better: charset-normalizer finds Windows-1252 messier (more odd characters) than the
    guess, and the guess is not just another Latin code page.
    """
    from charset_normalizer import from_bytes

    if size > len(sample) and b"\n" in sample:
        # A multi-byte character cut at the sample's end must not count against its encoding.
        sample = sample[: sample.rindex(b"\n") + 1]
    western_chaos = None
    if western:
        own = from_bytes(sample, cp_isolation=["cp1252"], threshold=1.0).best()
        western_chaos = own.chaos if own is not None else None
    for match in from_bytes(sample):
        try:
            codec = codecs.lookup(match.encoding).name
        except LookupError:
            continue
        if codec.startswith(("utf-16", "utf-32", "utf-8")):
            continue  # handled above: a BOM, NUL lanes or a strict UTF-8 decode
        if _ASCII.decode(codec, errors="replace") != _ASCII.decode("ascii"):
            continue  # EBCDIC and the like: delimiters, digits and line ends would not be ASCII
        if western and (
            (western_chaos is not None and match.chaos >= western_chaos)
            or _LATIN_GUESSES.fullmatch(codec)
            or "cp1252" in match.could_be_from_charset
        ):
            return None  # Latin text that looked odd: Windows-1252 reads it, as before
        if codec == "cp932" and decodes(src, "shift_jis"):
            codec = "shift_jis"  # name the standard when the Microsoft extensions are unused
        if decodes(src, codec) and not looks_binary(str(match).encode("utf-8")):
            return label(codec)
    return None
