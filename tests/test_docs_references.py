"""Every document a docstring, comment or page cites is in the repository (a fresh clone has nothing else)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# a path ending in .md, not part of a URL, an absolute path or a longer name
REFERENCE = re.compile(r"(?<![\w/.:-])((?:\.\./)*(?:[\w-]+/)*[\w-]+\.md)\b")
SUFFIXES = (".py", ".md", ".yaml", ".yml", ".ipynb", ".toml", ".cfg", ".txt")
# Pages cited ahead of the branch that adds them (remove the entry once it is merged).
PENDING: dict[str, str] = {}


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    this = Path(__file__).resolve().relative_to(ROOT).as_posix()  # its examples cite missing files on purpose
    return [
        ROOT / f
        for f in out.split()
        if f.endswith(SUFFIXES) and (f.endswith(".py") or not f.startswith("tests/data/")) and f != this
    ]


def references(text: str) -> list[str]:
    """The .md paths cited in ``text``; a quoted literal alone (a path piece in code) is not a citation.

    >>> references('see docs/formulas.md §7, [b](sources.md), ROOT / "docs" / "loading.md", https://x.org/a.md')
    ['docs/formulas.md', 'sources.md']
    """
    found = []
    for m in REFERENCE.finditer(text):
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        if before == after == '"' or before == after == "'":
            continue
        found.append(m.group(1))
    return found


def resolves(ref: str, citing: Path) -> bool:
    """A reference resolves against the citing file's folder or one of its ancestors up to the root."""
    folder = citing.parent
    while True:
        target = (folder / ref).resolve()
        if target.is_file() and ROOT in target.parents:
            return True
        if folder == ROOT:
            return False
        folder = folder.parent


def test_every_cited_document_exists_in_the_repository():
    missing = {}
    for path in _tracked():
        text = path.read_text(encoding="utf-8", errors="replace")
        for ref in references(text):
            if ref not in PENDING and not resolves(ref, path):
                missing.setdefault(str(path.relative_to(ROOT)), set()).add(ref)
    assert missing == {}, f"cited documents that are not in the repository: {missing}"


def test_a_citation_outside_the_repository_is_caught(tmp_path):
    citing = ROOT / "sales_analytics" / "kpis" / "targets.py"
    assert resolves("docs/formulas.md", citing) and resolves("README.md", citing)
    # bare names that only existed next to the repository once, and a path out of it
    assert not resolves("formulas.md", citing)
    assert not resolves("DESIGN.md", citing)
    assert not resolves("../shared/reference/formulas.md", ROOT / "docs" / "kpis.md")
    assert references("Definitions follow `../shared/reference/formulas.md` §9.") == [
        "../shared/reference/formulas.md"
    ]


def test_the_sections_the_code_cites_exist_in_docs_formulas():
    headings = set(
        re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", (ROOT / "docs" / "formulas.md").read_text("utf-8"), re.M)
    )
    cited = set()
    for path in _tracked():
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in re.finditer(r"formulas\.md[`'’s]*\)?,? §\s?(\d+(?:\.\d+)?)", text):
            cited.add((m.group(1), str(path.relative_to(ROOT))))
    unknown = sorted((s, f) for s, f in cited if s not in headings)
    assert cited and unknown == [], f"sections cited but not in docs/formulas.md: {unknown}"
