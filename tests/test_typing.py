"""The type check: what it covers, that CI runs it, and that what it is told to overlook is named."""

from __future__ import annotations

import re
import tomllib

from studyhall import PROJECT_ROOT

MYPY = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_ci_type_checks_the_whole_package_with_the_checks_that_keep_ignores_honest():
    assert MYPY["files"] == ["studyhall"]
    assert MYPY["check_untyped_defs"] and MYPY["warn_unused_ignores"] and MYPY["warn_redundant_casts"]
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = ci.index("pip install -q -e '.[test]'")
    assert re.search(r"^mypy\b", ci[installed:], re.MULTILINE), "the type check runs after the install"


def test_no_module_skips_the_type_check():
    skipped = [override["module"] for override in MYPY.get("overrides", []) if override.get("ignore_errors")]
    assert skipped == []


def test_every_type_ignore_names_the_error_it_silences():
    bare = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in (PROJECT_ROOT / "studyhall").rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"type:\s*ignore(?!\[)", line)
    ]
    assert bare == []
