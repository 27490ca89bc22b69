"""A production install holds: every package src/ imports is declared; the lock files match pyproject.toml.

The scripts are CI's (`make check-deps`); the wheel itself is installed and run by `make smoke`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / ".ci" / name), *args], capture_output=True, text=True, timeout=120
    )


def test_every_package_src_imports_is_a_declared_dependency() -> None:
    # httpx (webhooks, SMS, the sandbox gateway) was declared only under [dev]: `pip install dues` then
    # `dues serve` crashed on import.
    done = run_script("check_imports.py")
    assert done.returncode == 0, done.stderr


def test_an_import_declared_only_as_dev_extra_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\ndependencies = ["fastapi>=0.115"]\n'
        '[project.optional-dependencies]\ndev = ["httpx>=0.27"]\n'
    )
    (tmp_path / "src" / "shop").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "hooks.py").write_text(
        "from typing import TYPE_CHECKING\n\nimport fastapi\nimport httpx\n\n"
        "if TYPE_CHECKING:\n    import pytest\n"
    )
    done = run_script("check_imports.py", "--root", str(tmp_path))
    assert done.returncode == 1
    assert "src/shop/hooks.py:4: imports httpx (package httpx), not in [project] dependencies" in done.stderr
    assert "fastapi" not in done.stderr  # declared
    assert "pytest" not in done.stderr  # never imported at run time


def test_lock_files_agree_with_pyproject() -> None:
    done = run_script("lock.py", "check")
    assert done.returncode == 0, done.stderr
