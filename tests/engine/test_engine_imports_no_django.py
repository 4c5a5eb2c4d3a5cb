"""The engine is pure Python: importing and using it must not load Django.

Run in a fresh interpreter, since this test process has Django loaded by pytest-django.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import json
import sys

import iamlab.engine

result = iamlab.engine.simulate_case({
    "request": {
        "principal": "arn:aws:iam::111122223333:user/alice",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::reports/q1.csv",
        "resourceAccount": "111122223333",
    },
    "identityPolicies": [{
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }],
})
print(json.dumps({
    "decision": result.get("decision"),
    "django": sorted(name for name in sys.modules if name.startswith("django")),
}))
"""


def test_engine_imports_and_runs_without_django() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["decision"] == "allowed"
    assert report["django"] == [], f"the engine loaded Django modules: {report['django']}"
