"""Seed-section codes such as "（000 §7）" cite where a rule comes from for maintainers: they
stay in code comments, never in what a person reads (templates, the service guide)."""

import re
from pathlib import Path

import junjia

ROOT = Path(junjia.__file__).parent
SEED_CODE = re.compile(r"\b00[0-4]\s*(§|第|annex|附件|row)")
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)


def test_no_seed_codes_in_templates():
    found = []
    for path in sorted(ROOT.rglob("*.html")):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for n, line in enumerate(text.splitlines(), start=1):
            if SEED_CODE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert found == []


def test_no_seed_codes_in_the_service_guide():
    from junjia.cases import catalogue

    texts = [str(value) for item in catalogue.ITEMS for value in item if isinstance(value, str)]
    assert [t for t in texts if re.search(r"\b00[0-4]\b", t)] == []
