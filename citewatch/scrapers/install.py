"""`python -m citewatch.scrapers.install`: make sure a Chromium is there, installing one if it can.

Order: CITEWATCH_CHROMIUM, a system Chromium/Chrome, Playwright's own download; if none, Debian's package
(`apt-get install -y chromium`, when apt and root are available), else `playwright install chromium`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from citewatch.errors import BrowserNotFound
from citewatch.scrapers.browser import INSTALL_HINT, find_chromium


def _try(command: list[str]) -> bool:
    print("citewatch: " + " ".join(command), file=sys.stderr)
    return subprocess.run(command, check=False).returncode == 0


def ensure_chromium() -> str:
    try:
        return str(find_chromium())
    except BrowserNotFound:
        pass
    if shutil.which("apt-get") and os.geteuid() == 0:
        env_ok = _try(["apt-get", "update", "-qq"])
        if env_ok and _try(["apt-get", "install", "-y", "-qq", "chromium"]):
            return str(find_chromium())
    if _try([sys.executable, "-m", "playwright", "install", "chromium"]):
        return str(find_chromium())
    raise BrowserNotFound(INSTALL_HINT)


def main() -> None:
    try:
        print(f"citewatch: using Chromium at {ensure_chromium()}")
    except BrowserNotFound as exc:
        print(f"citewatch: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
