"""Scenario files: a sandbox's whole state as YAML, read and written (docs/scenario-format.md).

    export_scenario(sandbox) -> str
    load_scenario(text, *, name, owner=None, replace=False) -> Sandbox   # raises ScenarioError

Export → load → export gives the same text.
"""

from .dump import export_scenario
from .errors import ScenarioError
from .load import FORMAT_VERSION, load_scenario

__all__ = ["FORMAT_VERSION", "ScenarioError", "export_scenario", "load_scenario"]
