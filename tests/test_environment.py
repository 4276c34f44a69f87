"""environment.yml (conda) and constraints.txt (pip) pin the same packages at the same versions."""

from __future__ import annotations

import re

import yaml

from .conftest import REPO

# conda-forge names the Python bindings of these differently from PyPI.
CONDA_TO_PYPI = {"python-duckdb": "duckdb", "python-tzdata": "tzdata"}
NOT_PACKAGES = {"python", "pip"}  # the interpreter and the installer, not pinned by pip


def _name(name: str) -> str:
    """PEP 503 normal form: lower case, runs of -_. as one hyphen."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _constraints() -> dict[str, str]:
    pins = {}
    for number, line in enumerate((REPO / "constraints.txt").read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt line {number}: {line!r} is not name==version"
        pins[_name(name)] = version.strip()
    return pins


def _environment() -> tuple[dict[str, str], dict[str, str]]:
    """(conda pins, pip pins) of environment.yml, by PyPI name."""
    spec = yaml.safe_load((REPO / "environment.yml").read_text())
    conda, pip = {}, {}
    for entry in spec["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                name, sep, version = line.partition("==")
                assert sep, f"environment.yml pip entry {line!r} is not name==version"
                pip[_name(name)] = version.strip()
            continue
        name, _, version = str(entry).partition("=")
        name = _name(name)
        if name in NOT_PACKAGES:
            continue
        assert version, f"environment.yml: {entry!r} has no version"
        conda[CONDA_TO_PYPI.get(name, name)] = version.strip()
    return conda, pip


def test_environment_yml_pins_what_constraints_txt_pins():
    pins = _constraints()
    conda, pip = _environment()
    assert not set(conda) & set(pip), "a package is both a conda and a pip entry"
    env = {**conda, **pip}
    missing = sorted(set(pins) - set(env))
    extra = sorted(set(env) - set(pins))
    differ = sorted(f"{n}: constraints {pins[n]}, environment {env[n]}"
                    for n in set(pins) & set(env) if pins[n] != env[n])
    assert not missing, f"in constraints.txt, not in environment.yml: {missing}"
    assert not extra, f"in environment.yml, not in constraints.txt: {extra}"
    assert not differ, f"versions differ: {differ}"


def test_environment_yml_python_matches_the_supported_range():
    spec = yaml.safe_load((REPO / "environment.yml").read_text())
    python = next(e for e in spec["dependencies"] if isinstance(e, str) and e.startswith("python="))
    pyproject = (REPO / "pyproject.toml").read_text()
    floor = re.search(r'requires-python = ">=(\d+\.\d+)"', pyproject).group(1)
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, floor.split(".")))
