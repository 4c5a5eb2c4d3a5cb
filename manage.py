#!/usr/bin/env python
"""Django's command-line utility for iamlab."""

import os
import sys

# These commands only need the policy engine: answering them without starting Django keeps a
# batch of 20,000 simulations from paying Django's start-up cost (see docs/performance.md).
_ENGINE_COMMANDS = {"simulate", "validate_policy"}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in _ENGINE_COMMANDS:
        from iamlab.engine.cli import main as engine_main

        sys.exit(engine_main(sys.argv[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamlab.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
