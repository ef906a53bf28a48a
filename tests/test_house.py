"""Rules of the house (docs/ARCHITECTURE.md), checked on the source tree.

* connectivity is the lower layer: it never imports fua;
* no module imports a ``_private`` name (module or function) from the other package;
* no import circle between modules (imports inside functions count too);
* no function longer than 80 lines of code, no module longer than 800 lines;
* ``import fua`` / ``import connectivity`` do not import the command line (click);
* every name that ``fua.__all__`` and ``connectivity.__all__`` had before the
  restructure still imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("fua", "connectivity")
MAX_FUNCTION_LOC = 80
MAX_MODULE_LINES = 800


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every fua/connectivity import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = _module_name(path)
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] in PACKAGES]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = this.split(".")
                base = base if is_pkg else base[:-1]
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod.split(".")[0] in PACKAGES:
                out.append((mod, [a.name for a in node.names], node.lineno))
    return out


def _targets(mod: str, names: list[str]) -> set[str]:
    """The modules an import statement loads (a submodule named in ``from pkg import sub``)."""
    found = {f"{mod}.{n}" for n in names if f"{mod}.{n}" in MODULES}
    rest = [n for n in names if f"{mod}.{n}" not in MODULES]
    if rest or not names:
        found.add(mod)
    return found


def test_connectivity_never_imports_fua() -> None:
    bad = [
        f"{name}:{line} imports {mod}"
        for name, path in MODULES.items()
        if name.startswith("connectivity")
        for mod, _, line in _imports(path)
        if mod.split(".")[0] == "fua"
    ]
    assert not bad, "connectivity is the lower layer; it may not import fua:\n" + "\n".join(bad)


def test_no_private_names_across_packages() -> None:
    bad = []
    for name, path in MODULES.items():
        own = name.split(".")[0]
        for mod, names, line in _imports(path):
            if mod.split(".")[0] == own:
                continue
            private = [p for p in mod.split(".") if p.startswith("_")]
            private += [n for n in names if n.startswith("_")]
            if private:
                bad.append(f"{name}:{line} imports {private} from {mod}")
    assert not bad, "imports of private names across the two packages:\n" + "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def test_no_import_circles() -> None:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        deps: set[str] = set()
        for mod, names, _ in _imports(path):
            deps |= {t for t in _targets(mod, names) if t in MODULES and t != name}
        # A package's __init__ is what ``import pkg`` runs: edges from the
        # package to its own submodules are its re-exports, kept; but a
        # submodule importing its own package's __init__ is a circle.
        graph[name] = deps
    circles = _cycles(graph)
    assert not circles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in circles)


def _code_lines(node: ast.AST, lines: list[str]) -> int:
    """Lines of code in a function: not blank, not comments, not its docstring."""
    body = node.body  # type: ignore[attr-defined]
    doc: set[int] = set()
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        doc = set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    start = node.lineno  # type: ignore[attr-defined]
    end = node.end_lineno or start  # type: ignore[attr-defined]
    return sum(
        1
        for i in range(start, end + 1)
        if i not in doc and lines[i - 1].strip() and not lines[i - 1].strip().startswith("#")
    )


def test_functions_and_modules_are_short() -> None:
    long = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        if len(lines) > MAX_MODULE_LINES:
            long.append(f"module {name}: {len(lines)} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = _code_lines(node, lines)
                if n > MAX_FUNCTION_LOC:
                    long.append(f"{name}.{node.name}: {n} lines of code")
    assert not long, "too long:\n" + "\n".join(long)


def test_every_subpackage_says_what_lives_there() -> None:
    silent = []
    for pkg in PACKAGES:
        for init in sorted((ROOT / pkg).rglob("__init__.py")):
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
            if len(doc) < 40 or "TODO" in doc:
                silent.append(str(init.relative_to(ROOT)))
    assert not silent, "subpackages without a docstring saying what lives there: " + ", ".join(silent)


@pytest.mark.parametrize("package", PACKAGES)
def test_import_does_not_load_the_command_line(package: str) -> None:
    # click itself is still loaded by ``import rasterio`` (rasterio.errors
    # imports it); what the toolkit controls is that its own command-line
    # layer is not imported by the library.
    code = (
        f"import sys, {package}; "
        "print(sorted(m for m in sys.modules if m in ('fua.cli', 'connectivity.cli')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]", f"import {package} imports {out.stdout.strip()}"


def test_only_the_command_line_imports_click() -> None:
    bad = []
    for name, path in MODULES.items():
        if ".cli" in f".{name}" and name.split(".")[1:2] == ["cli"]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            if any(m.split(".")[0] == "click" for m in mods):
                bad.append(f"{name}:{node.lineno}")
    assert not bad, "click imported outside fua/cli and connectivity/cli: " + ", ".join(bad)


# The public names as they were before the restructure (main at f7a0639).
FUA_ALL_BEFORE = [
    "DEFAULT_CRS", "CRSError", "CommutingModel", "DataError", "DegurbaParams", "DegurbaResult",
    "DemoParams", "DemoResult", "FuaError", "FuaParams", "FuaResult", "InputFileError",
    "OutputExistsError", "ParameterError", "PopulationGrid", "__version__", "agglomeration",
    "aggregate_tiles", "classify_grid", "classify_units", "commuting_zones", "datasets",
    "degurba_to_files", "delineate_fuas", "fua_metrics", "market_potential", "national_metrics",
    "read_population", "run_demo", "unit_population", "urban_centres", "urban_clusters",
]  # fmt: skip
CONNECTIVITY_ALL_BEFORE = [
    "KAZAKHSTAN_SPEEDS", "CRSError", "ConnectivityError", "DataError", "InputFileError",
    "NetworkError", "OutputExistsError", "ParameterError", "RoadNetwork", "Snapped", "SpeedTable",
    "TravelTimeGrid", "__version__", "border_access", "corridor_access", "cumulative_opportunities",
    "gravity_access", "internal_time_min", "isochrones", "od_matrix", "population_within",
    "raster_time_to_nearest", "snap_points", "time_to_corridors", "time_to_nearest",
    "times_to_each",
]  # fmt: skip


@pytest.mark.filterwarnings("ignore:fua.agglomeration is now fua.metrics:FutureWarning")
@pytest.mark.parametrize(
    ("package", "name"),
    [("fua", n) for n in FUA_ALL_BEFORE] + [("connectivity", n) for n in CONNECTIVITY_ALL_BEFORE],
)
def test_public_names_of_before_still_import(package: str, name: str) -> None:
    import importlib

    mod = importlib.import_module(package)
    assert getattr(mod, name) is not None


def test_old_agglomeration_name_warns() -> None:
    import fua

    with pytest.warns(FutureWarning, match="fua.metrics"):
        mod = fua.agglomeration
    assert mod is fua.metrics


def test_every_test_folder_is_collected(pytestconfig: pytest.Config) -> None:
    """No folder of test files matches ``norecursedirs`` (pytest's default skips folders
    named ``build``: tests/connectivity/build went unrun until it was set)."""
    import fnmatch

    patterns = pytestconfig.getini("norecursedirs")
    hidden = []
    for test_file in sorted((ROOT / "tests").rglob("test_*.py")):
        rel = test_file.parent.relative_to(ROOT / "tests")
        if rel.parts[:1] == ("benchmarks",):
            continue
        if any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in patterns):
            hidden.append(str(test_file.relative_to(ROOT)))
    assert not hidden, "test files pytest will not collect: " + ", ".join(hidden)
