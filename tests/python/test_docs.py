"""The repository's documents hold together: every `Note [...]` cited anywhere is defined exactly once (in a
comment that starts with the note's name, or as **Note [...]** in docs/design.md), every Markdown document a
file cites exists, and the README links the design document (see docs/design.md, "Index of notes")."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SUFFIXES = {".cpp", ".h", ".py", ".md", ".txt", ".cmake", ".toml", ".in", ".supp", ""}
SKIP_PARTS = {"build", ".git", "__pycache__", "results", ".pytest_cache", "_skbuild"}

NOTE = re.compile(r"Note \[([^\]\n]+)\]")
# A definition: the note's name opens a comment line (code) or a docstring line, followed by ':' or the end of
# the line; in Markdown, the bold form **Note [...]**.
CODE_DEFINITION = re.compile(r"^\s*(?://+|#+|\*)?\s*Note \[([^\]\n]+)\](?::|\s*$)")
MD_DEFINITION = re.compile(r"\*\*Note \[([^\]\n]+)\]\*\*")
CITED_DOC = re.compile(r"\b((?:[\w.-]+/)*[\w.-]+\.md)\b")


def _files():
    if not (ROOT / "cpp").is_dir():
        pytest.skip("needs the source tree (an editable install or a checkout)")
    out = []
    for top in ("cpp", "python", "tests", "docs", "bench", "examples", "cmake", ".ci"):
        for p in (ROOT / top).rglob("*"):
            if p.is_file() and p.suffix in SUFFIXES and not SKIP_PARTS.intersection(p.parts):
                out.append(p)
    out += [ROOT / name for name in ("README.md", "CMakeLists.txt", "pyproject.toml") if (ROOT / name).is_file()]
    return out


def _read(p):
    try:
        return p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return ""


def _notes():
    cited, defined = {}, {}
    for p in _files():
        if p.name == "test_docs.py":
            continue
        for n, line in enumerate(_read(p).split("\n"), 1):
            where = f"{p.relative_to(ROOT)}:{n}"
            for m in NOTE.finditer(line):
                cited.setdefault(m.group(1), []).append(where)
            m = (MD_DEFINITION if p.suffix == ".md" else CODE_DEFINITION).search(line)
            if m:
                defined.setdefault(m.group(1), []).append(where)
    return cited, defined


def test_every_cited_note_is_defined_once():
    cited, defined = _notes()
    undefined = {name: places[:3] for name, places in cited.items() if name not in defined}
    assert not undefined, f"notes cited but defined nowhere: {undefined}"
    several = {name: places for name, places in defined.items() if len(places) > 1}
    assert not several, f"notes defined more than once: {several}"


def test_cited_documents_exist():
    names = {p.name for p in ROOT.rglob("*.md") if not SKIP_PARTS.intersection(p.parts)}
    missing = []
    for p in _files():
        for n, line in enumerate(_read(p).split("\n"), 1):
            for m in CITED_DOC.finditer(line):
                if pathlib.PurePath(m.group(1)).name not in names:
                    missing.append(f"{p.relative_to(ROOT)}:{n}: {m.group(1)}")
    assert not missing, "documents cited that the repository does not have:\n" + "\n".join(missing)


def test_readme_links_the_design_document():
    if not (ROOT / "docs").is_dir():
        pytest.skip("needs the source tree")
    assert (ROOT / "docs" / "design.md").is_file()
    assert "docs/design.md" in _read(ROOT / "README.md")
