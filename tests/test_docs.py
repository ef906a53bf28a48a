"""The documentation site (mkdocs.yml, docs/) stays complete as the code grows.

The site itself is built with ``mkdocs build --strict`` in ``.ci/run``; these
checks need no docs packages and say exactly what is missing:

* every page in ``docs/`` is in the navigation, and every page the navigation
  names exists;
* every public module of ``fua`` and ``connectivity`` (no ``_private`` part;
  the command-line modules are documented from click on the CLI page), and
  the two top-level packages, have a ``::: module`` block on an API page, and
  every such block names one of them;
* every ``--8<--`` snippet points at a file that exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def nav_pages(nav: Any) -> list[str]:
    """Every page path in an mkdocs ``nav`` (nested lists of {title: page or list})."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in nav_pages(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in nav_pages(value)]
    return []


def config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def public_modules() -> set[str]:
    found = set()
    for pkg in ("fua", "connectivity"):
        for path in (ROOT / pkg).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if any(p.startswith("_") for p in parts) or "cli" in parts:
                continue  # __init__ (a package's overview), private modules, commands
            found.add(".".join(parts))
    return found | {"fua", "connectivity"}  # the top-level names, one page each


def documented_modules() -> set[str]:
    names = set()
    for page in DOCS.rglob("*.md"):
        names |= set(re.findall(r"^::: ([\w.]+)\s*$", page.read_text(encoding="utf-8"), re.M))
    return names


def test_nav_lists_every_page_and_only_pages_that_exist() -> None:
    listed = nav_pages(config()["nav"])
    on_disk = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert sorted(on_disk - set(listed)) == [], "pages in docs/ missing from mkdocs.yml nav"
    assert sorted(set(listed) - on_disk) == [], "nav entries without a page in docs/"
    assert len(listed) == len(set(listed)), "a page is listed twice in the nav"


def test_every_public_module_has_an_api_page() -> None:
    documented = documented_modules()
    public = public_modules()
    # ``::: fua`` renders the top-level names; every public module has its own
    # block (the subpackages' overviews are the API pages' opening lines)
    assert sorted(public - documented) == [], "public modules missing from docs/api/"
    assert sorted(documented - public) == [], "::: blocks naming no public module"


def test_snippets_point_at_existing_files() -> None:
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r'--8<-- "([^":]+)', page.read_text(encoding="utf-8")):
            assert (ROOT / target).is_file(), f"{page.name}: snippet {target} not found"
