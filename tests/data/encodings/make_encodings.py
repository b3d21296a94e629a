"""Write the survey exports in non-Western and BOM-less encodings (tests/data/encodings/).

Run ``python tests/data/encodings/make_encodings.py``; tests/test_encodings.py checks the
committed files are exactly what this writes. Every file is a small customer survey: a header,
an NPS answer (0–10), a CSAT answer (1–5) and a comment, in the language its encoding is for.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

RU_HEADER = [
    "ID респондента",
    "Дата",
    "Насколько вероятно, что вы порекомендуете нас другу или коллеге?",
    "Удовлетворённость (1–5)",
    "Сумма заказа, руб.",
    "Тариф",
    "Комментарий",
]
RU_ROWS = [
    ["1001", "01.03.2024", "10", "5", "1250,50", "Базовый", "Всё отлично, спасибо!"],
    ["1002", "02.03.2024", "9", "4", "830,00", "Про", "Быстрая доставка"],
    ["1003", "03.03.2024", "6", "3", "2100,75", "Про", "Долго ждал ответа поддержки"],
    ["1004", "04.03.2024", "3", "1", "450,10", "Базовый", "Ужасно: заказ пришёл сломанным"],
    ["1005", "05.03.2024", "8", "4", "990,00", "Бизнес", "Хорошо, но дороговато"],
    ["1006", "06.03.2024", "10", "5", "3120,40", "Бизнес", "Рекомендую всем знакомым"],
    ["1007", "07.03.2024", "7", "3", "610,25", "Базовый", ""],
    ["1008", "08.03.2024", "0", "2", "150,00", "Про", "Не удалось оплатить картой"],
]

JA_HEADER = [
    "回答ID",
    "回答日",
    "友人や同僚に当社を薦める可能性はどのくらいありますか？（0〜10）",
    "満足度（1〜5）",
    "プラン",
    "ご意見",
]
JA_ROWS = [
    ["2001", "2024-04-01", "9", "5", "ベーシック", "とても使いやすいです"],
    ["2002", "2024-04-02", "10", "5", "プロ", "サポートの対応が早かった"],
    ["2003", "2024-04-03", "5", "2", "プロ", "画面が分かりにくい"],
    ["2004", "2024-04-04", "7", "4", "ベーシック", "概ね満足しています"],
    ["2005", "2024-04-05", "2", "1", "ビジネス", "請求書の金額が違っていました"],
    ["2006", "2024-04-06", "8", "4", "ビジネス", "もう少し安いと嬉しい"],
    ["2007", "2024-04-07", "10", "5", "プロ", "同僚にも勧めました"],
    ["2008", "2024-04-08", "6", "3", "ベーシック", ""],
]
# NEC special characters (circled digits) exist in Windows' Shift-JIS (CP932) only.
JA_CP932_ROWS = [[*row[:5], f"{'①②③④⑤⑥⑦⑧'[i]} {row[5]}".strip()] for i, row in enumerate(JA_ROWS)]

# A short Western file: charset-normalizer alone reads so few accented letters as cp1250/cp775.
DE_ROWS = [
    ["Kunde", "Ort", "Weiterempfehlung", "Zufriedenheit", "Anmerkung"],
    ["Jürgen Müller", "Köln", "9", "5", "Schöne Grüße"],
    ["Jäger GmbH", "Graz", "4", "2", "Zu spät geliefert"],
    ["Björn Weiß", "Zürich", "10", "4", "Größe passt"],
]


def _text(rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def files() -> dict[str, bytes]:
    """Every fixture by file name, as bytes."""
    ru = _text([RU_HEADER, *RU_ROWS], ";")  # Russian Excel: semicolons, decimal commas
    ja = _text([JA_HEADER, *JA_ROWS], ",")
    return {
        "russian_windows1251.csv": ru.encode("cp1251"),
        "japanese_shift_jis.csv": ja.encode("shift_jis"),
        "japanese_cp932.csv": _text([JA_HEADER, *JA_CP932_ROWS], ",").encode("cp932"),
        # Excel's "Unicode text" without its byte-order mark (some tools strip it).
        "japanese_utf16le_no_bom.tsv": _text([JA_HEADER, *JA_ROWS], "\t").encode("utf-16-le"),
        "russian_utf16be_no_bom.csv": ru.encode("utf-16-be"),
        "german_windows1252_short.csv": _text(DE_ROWS, ";").encode("cp1252"),
    }


def main(out: Path = HERE) -> None:
    """Regenerate every fixture into `out`."""
    for name, data in files().items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
