"""Amounts of money and percentages written as text become numbers, the currency kept."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from uxcx.ingest.result import IngestResult
from uxcx.ingest.worker import convert


def run(tmp_path: Path, text: str) -> IngestResult:
    src = tmp_path / "in.csv"
    src.write_text(text, encoding="utf-8")
    return convert(src, tmp_path / "out.parquet", work_dir=tmp_path)


def values(r: IngestResult) -> dict[str, list]:
    return pq.read_table(r.parquet_path).to_pydict()


def test_amounts_in_every_common_spelling(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        "id,clv,eur,acct,usd\n"
        '1,"$1,234.50","€1.234,50",(12.00),USD 7\n'
        '2,-$12.00,"1.234,50 €",$3.00,12 USD\n'
        '3,$0.99,€0,"($1,000.00)","USD 1,000.50"\n'
        '4,NA,"€12,00",$4,-USD 3\n'
        "5,$7,€ 8,$-2.5,USD0\n",
    )
    data = values(r)
    assert data["clv"] == [1234.5, -12.0, 0.99, None, 7.0]
    assert data["eur"] == [1234.5, 1234.5, 0.0, 12.0, 8.0]
    assert data["acct"] == [-12.0, 3.0, -1000.0, 4.0, -2.5]
    assert data["usd"] == [7.0, 12.0, 1000.5, -3.0, 0.0]
    meta = {c["name"]: c for c in r.columns}
    assert [meta[k]["currency"] for k in ("clv", "eur", "acct", "usd")] == ["$", "€", "$", "USD"]
    assert meta["clv"]["type"] == "DOUBLE"
    assert "Read 'eur' as amounts in €." in r.notes


def test_mixed_currencies_stay_text(tmp_path: Path) -> None:
    r = run(tmp_path, "id,price\n1,$5\n2,€6\n3,$7\n")
    meta = {c["name"]: c for c in r.columns}
    assert meta["price"]["type"] == "VARCHAR" and "currency" not in meta["price"]
    assert "Kept 'price' as text because it mixes currencies ($, €)." in r.notes
    assert values(r)["price"] == ["$5", "€6", "$7"]


def test_one_currency_with_plain_numbers_is_money(tmp_path: Path) -> None:
    r = run(tmp_path, 'id,clv\n1,$5\n2,6\n3,"$1,000"\n4,7.25\n')
    assert values(r)["clv"] == [5.0, 6.0, 1000.0, 7.25]
    assert {c["name"]: c for c in r.columns}["clv"]["currency"] == "$"


def test_percentages_become_0_to_100(tmp_path: Path) -> None:
    r = run(tmp_path, "id,share\n1,45%\n2,12.5 %\n3,-3%\n4,100%\n5,0\n")
    assert values(r)["share"] == [45.0, 12.5, -3.0, 100.0, 0.0]
    meta = {c["name"]: c for c in r.columns}
    assert meta["share"]["unit"] == "%" and meta["share"]["type"] == "DOUBLE"
    assert "Read percentages in 'share' as numbers from 0 to 100 (45% → 45)." in r.notes


def test_decimal_comma_percentages_in_a_semicolon_file(tmp_path: Path) -> None:
    r = run(tmp_path, "id;share\n1;45,5%\n2;3%\n3;12,25 %\n")
    assert values(r)["share"] == [45.5, 3.0, 12.25]


def test_plain_numbers_are_not_money_or_percent(tmp_path: Path) -> None:
    r = run(tmp_path, 'id,n\n1,5\n2,6.5\n3,"1,000"\n')
    meta = {c["name"]: c for c in r.columns}
    assert meta["n"] == {"name": "n", "source_name": "n", "type": "DOUBLE"}
    assert values(r)["n"] == [5.0, 6.5, 1000.0]


def test_a_bad_amount_is_a_problem_cell(tmp_path: Path) -> None:
    rows = "".join(f"{i},${i}.00\n" for i in range(1, 40))
    r = run(tmp_path, "id,clv\n" + rows + "40,lots\n")
    assert r.cell_issue_count == 1
    assert r.cell_issues[0] == {
        "line": 41,
        "column": "clv",
        "value": "lots",
        "reason": "Not an amount of money; left empty.",
    }


def test_clv_is_labelled_with_the_files_currency(tmp_path: Path, capsys) -> None:
    """The currency the ingest kept reaches the CLV figure: JSON field, tile text, Dataset."""
    import json
    import statistics

    from uxcx.cli import main
    from uxcx.labels import value_text, with_currency
    from uxcx.store import Workspace

    src = tmp_path / "crm.csv"
    src.write_text(
        'customer_id,clv,churned\na,"$1,234.50",no\nb,$99.00,yes\nc,"$2,000.00",no\n',
        encoding="utf-8",
    )
    assert main(["metrics", str(src), "--format", "json"]) == 0
    clv = next(m for m in json.loads(capsys.readouterr().out)["metrics"] if m["metric"] == "clv")
    assert clv["currency"] == "$"
    assert clv["value"] == round(statistics.mean([1234.5, 99.0, 2000.0]), 4)
    ds = Workspace(tmp_path / "ws").create_dataset([(src.name, src)])
    assert ds.currency("clv") == "$"
    assert value_text("clv", 1539.2, ds.currency("clv")) == "$1,539"
    assert with_currency("−56", "€") == "−€56" and with_currency("1,539", "USD") == "1,539 USD"
    # Plain numbers carry no currency: the sample's CLV stays bare.
    plain = tmp_path / "plain.csv"
    plain.write_text("customer_id,clv\na,10\nb,20\n", encoding="utf-8")
    assert Workspace(tmp_path / "ws2").create_dataset([(plain.name, plain)]).currency("clv") is None
