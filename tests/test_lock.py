"""The locks agree with pyproject.toml, and the suite runs on exactly what they pin.

`scripts/serve` and `scripts/test` install from requirements/runtime.txt and
requirements/dev.txt with `--require-hashes`; `scripts/lock` writes both from the ranges in
pyproject.toml. A range changed without `scripts/lock`, or a lock edited by hand, fails here.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app import ROOT
from tests.test_dependencies import runtime_closure

LOCKS = ROOT / "requirements"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
                 r"\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")


class Pin:
    def __init__(self, version: str, marker: str | None) -> None:
        self.version = version
        self.marker = Marker(marker) if marker else None
        self.hashes = 0

    def applies(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def read_lock(name: str) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in (LOCKS / name).read_text().splitlines():
        if match := PIN.match(line):
            current = Pin(match["version"], match["marker"])
            pins[canonicalize_name(match["name"])] = current
        elif line.strip().startswith("--hash=sha256:") and current is not None:
            current.hashes += 1
    return pins


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def build_requirements() -> list[str]:
    return [line for line in (LOCKS / "build.in").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_build_requirements_match_the_build_system():
    assert sorted(build_requirements()) == sorted(project()["build-system"]["requires"])


@pytest.mark.parametrize(("lock", "specs"), [
    ("runtime.txt", lambda p: p["project"]["dependencies"]),
    ("dev.txt", lambda p: p["project"]["dependencies"] + p["project"]["optional-dependencies"]["dev"]),
])
def test_every_range_in_pyproject_is_pinned_within_it(lock, specs):
    pins = read_lock(lock)
    wrong = {}
    for spec in [*specs(project()), *build_requirements()]:
        requirement = Requirement(spec)
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None or not requirement.specifier.contains(pin.version, prereleases=True):
            wrong[spec] = pin.version if pin else "not locked"
    assert wrong == {}, f"run scripts/lock: {wrong}"


def test_every_pin_carries_hashes():
    for lock in ("runtime.txt", "dev.txt"):
        unhashed = [name for name, pin in read_lock(lock).items() if pin.hashes == 0]
        assert unhashed == [], f"{lock}: {unhashed}"


def test_runtime_lock_holds_the_dev_locks_versions():
    runtime, dev = read_lock("runtime.txt"), read_lock("dev.txt")
    differ = {name: (pin.version, dev[name].version if name in dev else None)
              for name, pin in runtime.items()
              if name not in dev or dev[name].version != pin.version}
    assert differ == {}


def test_runtime_lock_holds_everything_the_service_needs():
    runtime = read_lock("runtime.txt")
    assert runtime_closure() - set(runtime) == set()


def test_this_environment_runs_the_locked_versions():
    differ = {}
    for name, pin in read_lock("dev.txt").items():
        if not pin.applies():
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != pin.version:
            differ[name] = (pin.version, installed)
    assert differ == {}, "the virtualenv is not the lock's: scripts/test reinstalls it"
