"""Fail when src/ imports a package that pyproject.toml's `dependencies` does not name.

A production install (`pip install dues`, no extras) brings only those and what they require; an import of a
[dev] package, or of one that merely happens to come along with another, crashes there or breaks the day that
other package drops it. Imports under `if TYPE_CHECKING:` never run and are left out. Run with the project's
.venv, where every package src/ imports is installed, so each import can be traced to its distribution.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Top-level module names a file imports when it runs, with their line numbers."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="the project folder (default: this one)")
    root = parser.parse_args().root.resolve()
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    declared = {norm(re.split(r"[\[<>=!~; ]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    own = norm(project["name"])
    owners = packages_distributions()
    problems = []
    for path in sorted((root / "src").rglob("*.py")):
        for module, line in runtime_imports(ast.parse(path.read_text(), str(path))):
            if module in sys.stdlib_module_names or module == "__future__":
                continue
            dists = {norm(d) for d in owners.get(module, [])}
            if own in dists or (dists & declared):
                continue
            where = f"{path.relative_to(root)}:{line}"
            if not dists:
                problems.append(f"{where}: imports {module}, which no installed package provides")
            else:
                names = ", ".join(sorted(dists))
                problems.append(f"{where}: imports {module} (package {names}), not in [project] dependencies")
    for problem in problems:
        print(f"imports: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("imports: every package src/ imports is declared in [project] dependencies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
