"""The scenario's error: every problem found, each with its place in the YAML."""

from __future__ import annotations

from ..errors import SandboxInputError


class ScenarioError(SandboxInputError):
    """A scenario that cannot be loaded; `problems` has each problem's line, column and path."""
