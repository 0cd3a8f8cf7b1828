"""The package build's one extra step: compile the gettext catalogs (.po) into .mo files inside the
build (scheduler/catalogs.py, Babel), so that an installed bayplan reads compiled catalogs.
Everything else is in pyproject.toml."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_catalogs(build_py):
    def run(self) -> None:
        super().run()
        # Loaded by path: the package itself is not importable while it is being built.
        path = Path(__file__).parent / "scheduler" / "catalogs.py"
        spec = importlib.util.spec_from_file_location("_bayplan_catalogs", path)
        assert spec is not None and spec.loader is not None
        catalogs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(catalogs)
        target = Path(self.build_lib) / "scheduler" / "locale"
        if not self.editable_mode and target.is_dir():
            for mo in catalogs.compile_all(target):
                print(f"compiled {mo}")


setup(cmdclass={"build_py": build_py_with_catalogs})
