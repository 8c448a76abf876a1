"""Everything the service imports is installed by its runtime dependencies alone.

`scripts/serve` installs `pip install -e .` without the dev extra, so a module that only a
test tool happens to bring along (urllib3 via requests, once) breaks the one-command start
while the suite stays green. This test walks the runtime requirement tree instead.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app import ROOT

SERVICE_CODE = [*sorted((ROOT / "app").rglob("*.py")), *sorted((ROOT / "mayfly_client").rglob("*.py")),
                ROOT / "wsgi.py", ROOT / "smtpd_runner.py"]


def imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def runtime_closure() -> set[str]:
    """Distributions `pip install .` installs without extras: pyproject.toml's dependencies
    (read from the file: an editable install's metadata may predate the last change) and,
    installed, what they require in turn."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    seen: set[tuple[str, str]] = set()
    todo = [Requirement(spec) for spec in project["dependencies"]]
    while todo:
        wanted = todo.pop()
        name = canonicalize_name(wanted.name)
        for extra in {"", *wanted.extras}:  # bleach[css] brings tinycss2
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            for spec in metadata.requires(name) or []:
                requirement = Requirement(spec)
                if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                    todo.append(requirement)
    return {name for name, _ in seen}


def test_every_imported_package_is_a_runtime_dependency():
    installed_by = metadata.packages_distributions()
    runtime = runtime_closure()
    ours = {"app", "mayfly_client"}
    missing = {}
    for path in SERVICE_CODE:
        for module in imported_top_levels(path) - ours - set(sys.stdlib_module_names):
            dists = {canonicalize_name(d) for d in installed_by.get(module, [])}
            assert dists, f"{module} (imported by {path.name}) is not installed at all"
            if not dists & runtime:
                missing[module] = path.relative_to(ROOT).as_posix()
    assert missing == {}, f"imported but not a runtime dependency: {missing}"
