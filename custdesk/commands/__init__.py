"""Command-line subcommands: one module each, with `register(subparsers)` and `run(args)`.

They stay thin: parse, call a service, print. Errors a user can fix are raised as
`UserError` (or a storage `DatabaseError`) and printed by `cli.main` as one line.
"""


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
