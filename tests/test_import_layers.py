"""How the packages may import each other: the import-linter contracts in pyproject.toml. The access
layer and the other core modules sit below the features; a feature's pages are its own; exams build
on banks and accounts, never the reverse."""

from __future__ import annotations

import tomllib

from importlinter.cli import lint_imports

from studyhall import PROJECT_ROOT

PYPROJECT = PROJECT_ROOT / "pyproject.toml"
# Top-level modules that wire features together rather than serve them.
WIRING = {"__init__", "cli", "demo", "models", "scheduler", "uploads"}


def test_the_import_contracts_hold():
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_every_top_level_module_is_core_or_wiring():
    """A new module beside db.py is held to the core contract unless it is named as wiring."""
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    core = next(c for c in contracts if c["name"] == "Core modules import no feature")["source_modules"]
    top_level = {path.stem for path in (PROJECT_ROOT / "studyhall").glob("*.py")}
    assert {name.removeprefix("studyhall.") for name in core} == top_level - WIRING
