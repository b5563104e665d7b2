"""Saving a logged-in session once, so later headless captures run as that account.

Like shot-scraper's `auth`: a visible browser, the user logs in, the context's storage state is written
with mode 0600 from the start (it holds session cookies) and never printed or logged.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from citewatch.engines import get_engine
from citewatch.errors import ConfigError
from citewatch.scrapers.browser import BrowserOptions, open_browser

POLL_S = 0.5
log = logging.getLogger(__name__)


def private_dir(directory: Path) -> Path:
    """The directory, made if missing, open to its owner only: one that already existed keeps its mode through
    `mkdir`, so a 0777 `auth/` let every user of the machine replace or read a session between two writes."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    status = directory.stat()
    if status.st_uid != os.getuid():
        raise ConfigError(
            f"{directory} belongs to another user: citewatch keeps logged-in sessions only in a "
            "directory of yours (set CITEWATCH_CONFIG_DIR)"
        )
    if status.st_mode & 0o077:
        directory.chmod(0o700)
    return directory


def write_private(path: Path, data: str) -> None:
    """Write a secret file readable by its owner only, with no moment where others could read it."""
    private_dir(path.parent)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
    tmp.chmod(0o600)  # an existing tmp file keeps its old mode through O_CREAT
    tmp.replace(path)


def has_display() -> bool:
    """Whether a browser window can open here: on Linux it needs an X or Wayland display."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def save_session(
    engine: str,
    path: Path,
    *,
    base_url: str | None = None,
    wait: Callable[[], object],
    headless: bool = False,
    timeout_s: float = 600.0,
) -> Path:
    """Open the engine, wait until the user is logged in (or `wait()` returns), save the session.

    `ConfigError` when there is no display for the
    window, when Enter cannot be read and no login can be seen, or when no login was seen and the browser
    holds nothing to save: an empty session is never written as if it were one.
    """
    private_dir(path.parent)  # before the user logs in: a directory that cannot hold the session fails first
    spec = get_engine(engine)
    scraper = spec.scraper
    if not headless and not has_display():
        raise ConfigError(
            f"no display for the login window: run `xvfb-run -a citewatch auth {engine}` and log in through a "
            "remote view of it, or run it on a machine with a screen (--headless only re-saves a session that is "
            "already logged in, e.g. with --base-url)"
        )
    confirmed, closed = threading.Event(), threading.Event()

    def wait_then_confirm() -> None:
        try:
            wait()
        except EOFError:  # stdin is closed: Enter can never come
            closed.set()
            return
        confirmed.set()

    threading.Thread(target=wait_then_confirm, daemon=True).start()
    seen = False
    with open_browser(BrowserOptions(headless=headless)) as session, session.page() as page:
        page.goto(base_url or spec.home_url, wait_until="domcontentloaded")
        deadline = time.monotonic() + timeout_s
        while not confirmed.is_set() and time.monotonic() < deadline:
            if scraper.logged_in and page.locator(scraper.logged_in).count():
                seen = True
                break
            if closed.is_set() and not scraper.logged_in:
                raise ConfigError(
                    f"standard input is closed, so Enter cannot say when you are logged in: run "
                    f"`citewatch auth {engine}` in a terminal"
                )
            page.wait_for_timeout(POLL_S * 1000)
        if closed.is_set() and not seen:
            raise ConfigError(f"no login to {spec.label} was seen within {timeout_s:g} s: nothing saved")
        state = page.context.storage_state()
    if not seen and not state.get("cookies") and not state.get("origins"):  # nothing shows a login, nothing kept
        raise ConfigError(
            f"the browser holds no cookies or storage for {spec.label} (not logged in?): nothing saved, "
            "captures stay anonymous"
        )
    if scraper.logged_in and not seen:
        log.warning("the page showed no login to %s; the saved cookies may be anonymous ones", spec.label)
    write_private(path, json.dumps(state))
    return path
