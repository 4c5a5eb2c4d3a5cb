"""The CLI pane's interpreter: one `aws ...` command line in, the AWS CLI's output out.

    from iamlab.sandbox.shell import new_state, run
    state = new_state()
    result = run(sandbox, "aws iam create-user --user-name bob", state, default_caller=caller)
    result.stdout, result.stderr, result.exit_code, result.notes

Pure sandbox-level Python: it parses the line as data (never runs it) and calls the
service-layer operations (`iamlab.sandbox.services`).
"""

from .commands import services
from .runner import Result, new_state, run

__all__ = ["Result", "new_state", "run", "services"]
