"""The README is enforced (datasette-style): its metric table, role table and module map must
match the registries and the package tree, so the docs cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from uxcx.metrics import METRICS
from uxcx.roles import ROLE_BY_NAME

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert m, f"README has no '## {title}' section"
    return m.group(1)


def _table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows[1:]  # without the header row


def test_metric_table_matches_the_registry():
    rows = _table_rows(_section("Metrics"))
    documented = [(re.sub(r"`", "", r[0]), r[1]) for r in rows]
    assert documented == [(m.id, m.family) for m in METRICS]


def test_role_table_matches_the_vocabulary():
    roles: set[str] = set()
    for row in _table_rows(_section("Column roles")):
        names = re.findall(r"`(\w+)`", row[0])
        if len(names) == 2 and "…" in row[0]:  # `sus_q1` … `sus_q10`
            stem = re.match(r"(.*?)(\d+)$", names[0])
            end = re.match(r"(.*?)(\d+)$", names[1])
            assert stem and end
            roles |= {
                f"{stem.group(1)}{i}" for i in range(int(stem.group(2)), int(end.group(2)) + 1)
            }
        else:
            roles |= set(names)
    assert roles == set(ROLE_BY_NAME)


def test_module_map_names_every_module_and_only_real_ones():
    block = re.search(r"```text\n(.*?)```", _section("For engineers"), re.S)
    assert block, "the 'For engineers' section needs the module map as a ```text block"
    named = set(re.findall(r"^\s*((?:uxcx|ui|pages)/[\w/]+\.py|app\.py)\b", block.group(1), re.M))
    modules = {
        str(p.relative_to(ROOT))
        for pkg in ("uxcx", "ui", "pages")
        for p in (ROOT / pkg).rglob("*.py")
        if p.name != "__init__.py"
    } | {"app.py"}
    assert sorted(modules - named) == [], "modules missing from the README map"
    assert sorted(named - modules) == [], "the README map names modules that do not exist"
