"""The metric registry is the contract: ids, families, docs and units are enforced here."""

from __future__ import annotations

import re

from uxcx.metrics import CX_METRICS, KINDS, METRICS, UX_METRICS
from uxcx.roles import ROLE_BY_NAME


def test_metric_ids_are_the_contract():
    assert UX_METRICS == ("sus", "task_success_rate", "time_on_task", "error_rate",
                          "product_nps", "app_rating", "bounce_rate", "conversion_rate")  # fmt: skip
    assert CX_METRICS == ("nps", "csat", "ces", "churn_rate", "retention_rate", "clv")


def test_every_metric_is_documented_and_uses_known_roles():
    for m in METRICS:
        assert m.label and m.description.endswith(".") and len(m.formula) > 20, m.id
        assert m.kind in KINDS and m.family in ("UX", "CX")
        for v in m.variants:
            for role in v.roles:
                assert role in ROLE_BY_NAME, (m.id, role)
            for template in (v.value, v.valid, v.where):
                used = set(re.findall(r"\{(\w+)\}", template))
                assert used <= set(v.roles), (m.id, used)


def test_readme_documents_every_metric_and_role():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for m in METRICS:
        assert f"`{m.id}`" in readme, f"README does not document metric {m.id}"
    for role in ROLE_BY_NAME:
        if not role.startswith("sus_q"):
            assert f"`{role}`" in readme, f"README does not document role {role}"
