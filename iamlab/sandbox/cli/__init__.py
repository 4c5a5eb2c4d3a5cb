"""The `manage.py sandbox SUBCOMMAND` handlers, one module per subcommand.

A subcommand module has:
    HELP: str                                   one line for `manage.py sandbox --help`
    add_arguments(parser) -> None               its own arguments (an argparse parser)
    handle(options, *, stdout, stderr) -> int   the exit status (0 ok, 1 failed)
and is registered by name in `SUBCOMMANDS` in `iamlab/sandbox/management/commands/sandbox.py`.
Problems with an input file are printed `FILE:LINE:COLUMN: message`, without a traceback.
"""
