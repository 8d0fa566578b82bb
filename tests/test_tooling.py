"""The developer tools agree with each other: pre-commit runs the ruff that pyproject.toml pins
(and `make lint`, `make check` and CI use), so a commit hook never formats otherwise."""

import re
import tomllib

from tests.support import ROOT


def test_pre_commit_runs_the_ruff_of_pyproject():
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    pinned = {d for d in dev["dev"] if d.startswith("ruff==")}
    assert len(pinned) == 1
    hooks = re.findall(r'"(ruff==[^"]+)"', (ROOT / ".pre-commit-config.yaml").read_text())
    assert len(hooks) == 2  # ruff check and ruff format
    assert set(hooks) == pinned
