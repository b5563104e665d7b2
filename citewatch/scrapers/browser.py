"""Finding a Chromium and opening browsers and contexts: the one factory every capture goes through.

Real engines challenge a fresh headless Chromium far more than a real browser profile, so besides the
defaults (headless, a fresh context per capture) this supports a persistent profile (`profile_dir`), an
installed browser channel (`channel="chrome"`), headed mode (run under Xvfb on a server), a proxy, and a
saved logged-in session (`storage_state`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ProxySettings, ViewportSize, sync_playwright

from citewatch.config import get_settings
from citewatch.errors import BrowserNotFound
from citewatch.models import TraceMode

# On a closed network Chromium's background services flood the machine with refused connections.
LAUNCH_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# A new headless Chromium opens a browser window per context and, with it, the omnibox popup's WebUI pages:
# two renderer processes per capture that nothing ever shows, started while the capture's own page loads.
UNUSED_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
# Chromium keeps only the last --disable-features it is given and Playwright passes its own first, so ours
# repeats Playwright's list (chromiumSwitches.ts) for the version it was read from; any other version keeps
# its own list untouched, and the popups.
_PLAYWRIGHT_DISABLED_FEATURES = {
    "1.65": (
        "AvoidUnnecessaryBeforeUnloadCheckSync",
        "DestroyProfileOnBrowserClose",
        "HttpsUpgrades",
        "HttpsFirstBalancedModeAutoEnable",
        "LensOverlay",
        "MediaRouter",
        "PaintHolding",
        "ThirdPartyStoragePartitioning",
        "AvoidCorsURLLoaderRestartOnRedirect",
        "TcpPortRandomizationWin",
        "OptimizationHints",
        "NetworkTimeServiceQuerying",
        "AimEnabled",
        "PreconnectToSearch",
        "msForceBrowserSignIn",
        "msEdgeUpdateLaunchServicesPreferredVersion",
    ),
}
_SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = (
    "no Chromium found: install one (Debian/Ubuntu: `apt-get install -y chromium`; elsewhere "
    "`python -m playwright install chromium`) or set CITEWATCH_CHROMIUM to its path"
)


def find_chromium() -> Path:
    """CITEWATCH_CHROMIUM, then a system Chromium/Chrome on PATH, then Playwright's own download."""
    configured = get_settings().chromium
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise BrowserNotFound(f"CITEWATCH_CHROMIUM points to {path}, which does not exist")
        return path
    for name in _SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    downloaded = _playwright_download()
    if downloaded is not None:
        return downloaded
    raise BrowserNotFound(INSTALL_HINT)


def _playwright_download() -> Path | None:
    """The Chromium `playwright install chromium` downloaded, found without starting Playwright's driver."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    candidates = sorted(root.glob("chromium-*/chrome-linux*/chrome"), reverse=True)  # newest build first
    return next((path for path in candidates if path.is_file()), None)


def launch_args(extra: tuple[str, ...] = ()) -> list[str]:
    return [*LAUNCH_FLAGS, "--disable-blink-features=AutomationControlled", *_disabled_features(), *extra]


def _disabled_features() -> tuple[str, ...]:
    """Playwright's own --disable-features plus ours, when we know Playwright's; nothing otherwise."""
    playwright_list = _PLAYWRIGHT_DISABLED_FEATURES.get(".".join(version("playwright").split(".")[:2]))
    if playwright_list is None:
        return ()
    return ("--disable-features=" + ",".join((*playwright_list, *UNUSED_FEATURES)),)


@dataclass(frozen=True, slots=True)
class BrowserOptions:
    headless: bool = True
    channel: str | None = None  # "chrome" or "msedge": an installed branded browser instead of Chromium
    profile_dir: Path | None = None  # persistent profile: cookies and history survive between runs
    storage_state: Path | None = None  # a saved logged-in session (citewatch auth ENGINE)
    locale: str = "en-US"
    timezone: str | None = None
    viewport: tuple[int, int] = (1280, 900)
    proxy: str | None = None
    timeout_s: float = 30.0  # default for single browser actions (clicks, navigation)
    trace: TraceMode = TraceMode.on_failure  # which captures keep a Playwright trace
    extra_args: tuple[str, ...] = ()  # more Chromium flags (offline rendering)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a single capture appears to be: per-job settings of a campaign (locale, account, proxy)."""

    locale: str | None = None
    timezone: str | None = None
    storage_state: Path | None = None
    proxy: str | None = None


class BrowserSession:
    """One browser; `page()` gives each capture a fresh context so runs do not contaminate each other."""

    def __init__(
        self, options: BrowserOptions, *, browser: Browser | None = None, persistent: BrowserContext | None = None
    ) -> None:
        """Wrap a launched browser (or a persistent context); `launch` is the usual way to get one."""
        self._options = options
        self._browser = browser
        self._persistent = persistent
        owner = persistent.browser if persistent else browser
        self.version = owner.version if owner else "unknown"
        self.trace = options.trace

    @classmethod
    def launch(cls, playwright: Playwright, options: BrowserOptions) -> BrowserSession:
        executable = None if options.channel else str(find_chromium())
        proxy: ProxySettings | None = {"server": options.proxy} if options.proxy else None
        if options.profile_dir:
            options.profile_dir.mkdir(parents=True, exist_ok=True)
            persistent = playwright.chromium.launch_persistent_context(
                str(options.profile_dir),
                headless=options.headless,
                channel=options.channel,
                executable_path=executable,
                args=launch_args(options.extra_args),
                proxy=proxy,
                locale=options.locale,
                timezone_id=options.timezone,
                viewport={"width": options.viewport[0], "height": options.viewport[1]},
            )
            persistent.set_default_timeout(options.timeout_s * 1000)
            return cls(options, persistent=persistent)
        browser = playwright.chromium.launch(
            headless=options.headless,
            channel=options.channel,
            executable_path=executable,
            args=launch_args(options.extra_args),
            proxy=proxy,
        )
        return cls(options, browser=browser)

    def _viewport(self) -> ViewportSize:
        return {"width": self._options.viewport[0], "height": self._options.viewport[1]}

    def logged_in(self, identity: Identity | None = None) -> bool:
        options = self._options
        return bool(options.storage_state or options.profile_dir or (identity and identity.storage_state))

    @contextmanager
    def page(self, *, javascript: bool = True, identity: Identity | None = None) -> Iterator[Page]:
        """A page in a fresh context; `identity` overrides the session's locale, timezone, account, proxy."""
        if self._persistent is not None:
            page = self._persistent.new_page()
            try:
                yield page
            finally:
                page.close()
            return
        if self._browser is None:
            raise RuntimeError("browser session is closed")
        options = self._options
        who = identity or Identity()
        proxy = who.proxy or options.proxy
        context = self._browser.new_context(
            locale=who.locale or options.locale,
            timezone_id=who.timezone or options.timezone,
            viewport=self._viewport(),
            java_script_enabled=javascript,
            storage_state=who.storage_state or options.storage_state,
            proxy={"server": proxy} if proxy else None,
        )
        context.set_default_timeout(options.timeout_s * 1000)
        try:
            yield context.new_page()
        finally:
            context.close()

    def close(self) -> None:
        if self._persistent is not None:
            self._persistent.close()
        if self._browser is not None:
            self._browser.close()
            self._browser = None


@contextmanager
def open_browser(options: BrowserOptions | None = None) -> Iterator[BrowserSession]:
    with sync_playwright() as playwright:
        session = BrowserSession.launch(playwright, options or BrowserOptions())
        try:
            yield session
        finally:
            session.close()
