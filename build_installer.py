"""Build a desktop installer for custdesk.

Not built yet: packaging (PyInstaller one-folder build, icons, Windows/macOS installers) has
its own issue. This script says so instead of pretending, and exits non-zero.
"""

import sys


def main() -> int:
    print("build_installer.py: installers are not built yet (packaging has its own issue).\n"
          "Run from source meanwhile: `make run`.", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
