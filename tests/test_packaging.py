"""What a built wheel carries. CI builds one and serves the demo from it (.ci/run); this checks
the package list that build relies on without building."""

from __future__ import annotations

import tomllib

from studyhall import PROJECT_ROOT


def test_every_python_package_and_data_folder_is_in_the_wheel():
    setuptools = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    python_packages = {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for init in (PROJECT_ROOT / "studyhall").rglob("__init__.py")
    }
    data_folders = {f"studyhall.{name}": name for name in ("templates", "static", "question_banks")}
    assert set(setuptools["packages"]) == python_packages | set(data_folders)
    assert setuptools["package-dir"] == data_folders
