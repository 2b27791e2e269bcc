"""The design lives in the repository: every document a comment or docstring cites exists,
with the section it names, and docs/kernel-rules.md §11 lists exactly the model's changes."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from oomlens.kernel.profile import CHANGES

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("oomlens", "grammars", "tests", "bench", "lab")
DOCS = ("docs/architecture.md", "docs/kernel-rules.md", "docs/verdicts.md", "CONTRIBUTING.md")

_DOC = re.compile(r"(?<![\w./-])(?P<doc>[\w./-]*\w\.md)\b(?!\()")
_SECTION = re.compile(r"§\s?(?P<sec>\d+(?:\.\d+)*)")
_HEADING = re.compile(r"^#{1,6}\s+(?P<num>\d+(?:\.\d+)*)[.\s]", re.M)
# "escape.md" in a docstring is the function md of the module escape, not a document
_MODULES = {p.stem for p in (ROOT / "oomlens").rglob("*.py")}


def _texts(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring in a source file."""
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".lark":
        return [
            (i, line.split("//", 1)[1])
            for i, line in enumerate(source.splitlines(), start=1)
            if "//" in line
        ]
    out = [
        (tok.start[0], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                out.append((node.body[0].lineno, doc))
    return out


def _sources() -> list[Path]:
    files = []
    for folder in SCANNED:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".lark")]
    return sorted(p for p in files if ".venv" not in p.parts and "out" not in p.parts)


def _sections(doc: Path) -> set[str]:
    return {m.group("num") for m in _HEADING.finditer(doc.read_text(encoding="utf-8"))}


def _resolve(ref: str, near: Path) -> Path | None:
    for base in (ROOT, near.parent):
        path = (base / ref).resolve()
        if path.is_file() and path.is_relative_to(ROOT):
            return path
    return None


def citation_errors(
    path: Path, texts: list[tuple[int, str]], itself: Path | None = None
) -> list[str]:
    """Each citation in ``texts`` of a document not in the repository, or of no section.

    A "§n" names the document cited last before it in the same text; in a document's
    own line with no citation before it, the document itself (``itself``).
    """
    errors = []
    where = path.relative_to(ROOT)
    for line, text in texts:
        cited: Path | None = itself
        missing = False  # the document cited last is not in the repository
        events = sorted(
            [(m.start(), "doc", m.group("doc")) for m in _DOC.finditer(text)]
            + [(m.start(), "sec", m.group("sec")) for m in _SECTION.finditer(text)]
        )
        for _, kind, value in events:
            if kind == "doc":
                if value.removesuffix(".md") in _MODULES:
                    continue
                cited = _resolve(value, path)
                missing = cited is None
                if missing:
                    errors.append(f"{where}:{line}: cites {value}, not in the repository")
            elif missing:
                continue
            elif cited is None:
                errors.append(f"{where}:{line}: §{value} names no document of the repository")
            elif value not in _sections(cited):
                errors.append(f"{where}:{line}: {cited.relative_to(ROOT)} has no §{value}")
    return errors


def test_the_design_documents_exist():
    for name in DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert len(text) > 2000, name


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_comments_cite_only_documents_of_the_repository(path):
    assert citation_errors(path, _texts(path)) == []


def test_the_documents_cite_their_own_sections():
    for name in DOCS:
        path = ROOT / name
        lines = list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))
        errors = citation_errors(path, lines, itself=path)
        if not (ROOT / "lab").is_dir():  # lab/ (and its README) is being built on branch lab
            errors = [e for e in errors if "cites lab/" not in e]
        assert errors == [], name


def test_the_citation_check_can_fail(tmp_path):
    bad = [
        (1, "see DESIGN.md, the verdict rules"),
        (2, "as kernel-model.md §8.3 says"),
        (3, "the bounds of §8.1"),
        (4, "docs/kernel-rules.md §42"),
    ]
    good = [(5, "docs/kernel-rules.md §6.2, §9.3"), (6, "``escape.md`` for Markdown")]
    path = ROOT / "tests" / "test_docs.py"
    assert len(citation_errors(path, bad)) == 4
    assert citation_errors(path, good) == []


def _table_row(c) -> str:
    rc = f"-rc{c.rc}" if c.rc > 1 else ""
    note = "; ".join(
        n for n, on in (("vendor trees", c.vendor), ("unverified", not c.verified)) if on
    )
    return (
        f"| `{c.feature.value}` | {c.commit or '—'} | {c.title.replace('|', chr(92) + '|')} | "
        f"{c.release}{rc} | "
        f"{', '.join(c.stable) or '—'} | `{c.function}` | {note} |"
    )


def test_kernel_rules_lists_every_change_the_model_knows():
    text = (ROOT / "docs" / "kernel-rules.md").read_text(encoding="utf-8")
    table = text.split("## 11.", 1)[1]
    rows = [line.rstrip() for line in table.splitlines() if line.startswith("| `")]
    want = [_table_row(c).rstrip() for c in CHANGES]
    assert rows == want, "docs/kernel-rules.md §11 should read:\n" + "\n".join(want)
