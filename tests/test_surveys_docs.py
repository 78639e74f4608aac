"""Every YAML of docs/surveys.md ("From your platform", new instrument keys) is a valid instrument that reads its file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import sales_analytics as sa
from sales_analytics.surveys.instruments import instrument_from_dict

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "surveys.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)
WITH_FILE = [b for b in BLOCKS if b.startswith("# file: ")]


def test_every_platform_has_a_snippet():
    files = [b.splitlines()[0].removeprefix("# file: ") for b in WITH_FILE]
    assert len(files) == 6 and all((ROOT / f).is_file() for f in files)
    for heading in ("问卷星", "腾讯问卷", "Qualtrics", "SurveyMonkey", "Google Forms", "Microsoft Forms"):
        assert f"### {heading}" in DOC


@pytest.mark.parametrize("block", WITH_FILE, ids=lambda b: b.splitlines()[0].rsplit("/", 1)[-1])
def test_platform_snippet_reads_its_file(block):
    path = ROOT / block.splitlines()[0].removeprefix("# file: ")
    inst = instrument_from_dict(yaml.safe_load(block), "docs/surveys.md")
    out = sa.read_responses(path, inst)
    assert len(out) >= 1 and out[list(inst.grouping)].notna().all().all()
    assert out[[i for i in inst.item_ids if i in out]].notna().any().all()


def test_new_keys_snippet_is_a_valid_instrument():
    block = next(b for b in BLOCKS if b.startswith("# instrument:"))
    inst = instrument_from_dict(yaml.safe_load(block), "docs/surveys.md")
    assert set(inst.group_sources) == {"team", "rep_id", "customer_id"}
    assert inst.item("csat").codes[1] == 5 and inst.label_sets["stars"][5] == "★★★★★"
    phone = inst.item("channel").options[0]
    assert (phone.code, phone.aliases) == (1, ["打电话"])
