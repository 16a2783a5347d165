"""The package's layers: every import goes from a layer to the same one or an earlier one.

The order is the pipeline's (see ``ocopsite/__init__.py``). Imports made only for type
checking count too: a type from a later layer is a dependency on it all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ocopsite

PACKAGE = Path(ocopsite.__file__).parent
#: Earliest first. A module of the package itself belongs to the foundations, except the
#: pipeline (``build``) and the entry point (``__main__``).
LAYERS = (
    "foundations",
    "model",
    "assets",
    "load",
    "view",
    "trace",
    "search",
    "render",
    "output",
    "build",
    "commands",
)
PIPELINE_MODULES = {"build": "build", "__main__": "commands"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(dotted: str) -> str:
    parts = dotted.split(".")
    if len(parts) == 1:
        return "foundations"
    if (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return PIPELINE_MODULES.get(parts[1], "foundations")


def is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path) -> set[str]:
    """The ocopsite modules ``path`` imports, anywhere in it (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; the package imports absolutely")
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ocopsite":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if is_module(full) else str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "ocopsite")
    return found


def test_every_subpackage_has_a_layer() -> None:
    folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert folders == set(LAYERS) - {"foundations", "build"}


def test_imports_flow_from_later_layers_to_earlier_ones() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for imported in sorted(imported_modules(path)):
            if LAYERS.index(layer(imported)) > LAYERS.index(layer(importer)):
                upward.append(f"{importer} ({layer(importer)}) imports {imported}")
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("from ocopsite.output.plan import Output\nfrom ocopsite import paths\n")
    assert imported_modules(module) == {"ocopsite.output.plan", "ocopsite.paths"}
    assert layer("ocopsite.output.plan") == "output"
    assert layer("ocopsite.paths") == "foundations"
    assert layer("ocopsite.build") == "build"
    assert LAYERS.index(layer("ocopsite.output.plan")) > LAYERS.index(layer("ocopsite.load"))
