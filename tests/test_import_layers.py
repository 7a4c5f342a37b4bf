"""The import layering of .importlinter holds: apps depend one way and nvr's plumbing imports no app."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"


PACKAGES = ("accounts", "cameras", "recording", "ai", "backups", "nvr")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    program = Path(sys.executable).with_name("lint-imports")  # the virtualenv's, beside its python
    return subprocess.run(
        [str(program), "--no-cache", "--no-logo", str(root / ".importlinter")],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=300,
    )


def test_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, f"an import contract is broken:\n{result.stdout}{result.stderr}"


def test_a_lower_app_importing_a_higher_one_breaks_the_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    with open(tmp_path / "cameras" / "slugs.py", "a") as module:
        module.write("\nfrom backups import models  # noqa\n")
    (tmp_path / "nvr" / "unplaced.py").write_text('"""A module in neither group."""\n')
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "cameras is not allowed to import backups" in result.stdout
    assert "- nvr.unplaced" in result.stdout


def _layers(contract: str, prefix: str = "") -> list[set[str]]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    lines = [line for line in parser[f"importlinter:contract:{contract}"]["layers"].splitlines() if line.strip()]
    return [{prefix + name.strip() for name in line.split(":")} for line in lines]


def test_both_contracts_split_nvr_alike():
    """The apps contract places nvr's groups around the apps; the exhaustive nvr contract must name the same modules."""
    apps = _layers("apps")
    assert [apps[0], apps[-1]] == _layers("nvr", prefix="nvr.")
