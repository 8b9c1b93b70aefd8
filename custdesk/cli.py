"""custdesk's command line. Without a subcommand it opens the window."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from custdesk import __version__
from custdesk.services import logs

# subcommand name -> module in custdesk.commands (each has register(sub) and sets run)
COMMANDS = {
    "demo": "demo",
    "backup": "backup",
    "import": "import_cmd",
    "export": "export",
    "metrics": "metrics",
    "report": "report",
    "screen": "screen",
    "rescue": "rescue",
}


def _command_module(module_name: str):
    try:
        return importlib.import_module(f"custdesk.commands.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"custdesk.commands.{module_name}":
            return None  # not built yet: registered as pending below
        raise


def _window_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's --db must not erase one given before the subcommand
    parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="database file (default: the app-data folder's custdesk.db)")
    parser.add_argument("--smoke-test", action="store_true",
                        help="build the window offscreen, visit every tab, exit 0")
    parser.add_argument("--screenshots", metavar="DIR",
                        help="with --smoke-test: save one PNG per tab into DIR")


def window_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """The window's own options when `argv` names no subcommand (and asks no help or
    version), else None. Checked before the full parser is built, which imports every
    command and the storage layer: the window shows before those load (issue 18)."""
    if any(arg in ("-h", "--help", "--version") for arg in argv):
        return None
    parser = argparse.ArgumentParser(prog="custdesk", add_help=False)
    _window_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except SystemExit:
        return None  # let the full parser say what is wrong
    return None if rest else args


def build_parser() -> argparse.ArgumentParser:
    from custdesk.commands import pending

    parser = argparse.ArgumentParser(
        prog="custdesk", description="See, every day, how your customers are doing.")
    parser.add_argument("--version", action="version", version=f"custdesk {__version__}")
    _window_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = _command_module(module_name)
        if module is None:
            pending.register(sub, name)
        else:
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # failures are seen: tracebacks go to the rotating log file (services/logs.py)
    logs.setup_logging()
    logs.install_excepthook(chain=True)
    window = window_arguments(sys.argv[1:] if argv is None else list(argv))
    if window is not None:
        from custdesk.ui.app import run_gui

        return run_gui(getattr(window, "db", None), smoke_test=window.smoke_test,
                       screenshots=window.screenshots)
    from custdesk.commands import UserError
    from custdesk.storage import DatabaseError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from custdesk.ui.app import run_gui

            return run_gui(getattr(args, "db", None), smoke_test=args.smoke_test,
                           screenshots=args.screenshots)
        return int(args.run(args))
    except (UserError, DatabaseError) as exc:
        print(f"custdesk: {exc}", file=sys.stderr)
        return getattr(exc, "code", 2)
    except KeyboardInterrupt:
        print("custdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`custdesk metrics | head`): stop quietly, like other tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
