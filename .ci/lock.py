"""The lock files: write them (`make lock`) or check that they agree with pyproject.toml (CI, offline).

uv.lock is uv's resolution of pyproject.toml, one for every platform and Python the project allows. pip
installs from the two requirement files exported from it, each pin with its hashes:
  requirements/runtime.lock  what `pip install dues` needs (production: this, then the wheel with --no-deps);
  requirements/dev.lock      the same pins plus the [dev] extra (what `make` installs into .venv).
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parent.parent
UV = find_uv_bin()
EXPORT = ["export", "--quiet", "--frozen", "--no-emit-project", "--format", "requirements-txt"]
LOCKS = {
    "requirements/runtime.lock": [],
    "requirements/dev.lock": ["--extra", "dev"],
}


def uv(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([UV, *args], cwd=ROOT, check=False, text=True, capture_output=capture)  # noqa: S603


def body(text: str) -> list[str]:
    """The pins, without the header (which names the command that wrote the file)."""
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return lines


def write(upgrade: bool) -> int:
    # Without --upgrade uv keeps every pin that still satisfies pyproject.toml and resolves only what changed.
    if uv("lock", *(["--upgrade"] if upgrade else [])).returncode:
        return 1
    for path, extra in LOCKS.items():
        (ROOT / path).parent.mkdir(exist_ok=True)
        if uv(*EXPORT, *extra, "--output-file", path).returncode:
            return 1
    return 0


def check() -> int:
    problems = []
    # Offline: compares the requirements uv.lock was made from with pyproject.toml's, no index needed.
    locked = uv("lock", "--check", "--offline", capture=True)
    if locked.returncode:
        problems.append(f"uv.lock does not match pyproject.toml:\n{locked.stderr.strip()}")
    for path, extra in LOCKS.items():
        exported = uv(*EXPORT, *extra, capture=True)
        if exported.returncode:
            problems.append(f"cannot export {path} from uv.lock:\n{exported.stderr.strip()}")
            continue
        file = ROOT / path
        have = body(file.read_text()) if file.exists() else []
        want = body(exported.stdout)
        if have != want:
            diff = "\n".join(list(difflib.unified_diff(have, want, path, "uv.lock", lineterm=""))[:40])
            problems.append(f"{path} differs from uv.lock:\n{diff}")
    for problem in problems:
        print(f"lock: {problem}", file=sys.stderr)
    if problems:
        print("lock: run `make lock` and commit uv.lock and requirements/*.lock", file=sys.stderr)
        return 1
    print("lock: uv.lock, requirements/runtime.lock and requirements/dev.lock agree with pyproject.toml")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    write_parser = sub.add_parser("write", help="re-resolve pyproject.toml and write the lock files")
    write_parser.add_argument("--upgrade", action="store_true", help="take the newest versions allowed")
    sub.add_parser("check", help="fail when the lock files and pyproject.toml disagree")
    args = parser.parse_args()
    return write(args.upgrade) if args.command == "write" else check()


if __name__ == "__main__":
    sys.exit(main())
