"""The exception tree. The type of an error decides what happens next.

CitewatchError                  one red line at the CLI, no traceback unless --verbose
├── UnknownEngine
├── ConfigError                 bad option, campaign file or environment
├── StorageError                database unreachable, schema out of date, unknown id
│   └── NoStore                 nothing stored there yet (a typo in --db): never created by a reader
├── BrowserNotFound             no Chromium to drive; says what to install
└── CaptureError                one capture attempt failed; carries the status to record
    ├── TransientCaptureError   retried with backoff: navigation timeout, 5xx/429, answer never finished
    │   └── IncompleteAnswer    the answer started and stopped half-way (stream broke)
    ├── UnreachableError        the engine's host does not resolve or refuses: not retried, engine skipped
    ├── BlockedError            bot wall or captcha: never retried blindly, engine cooled down
    ├── ConsentRequiredError    a consent interstitial that could not be passed
    └── LoginRequiredError      needs `citewatch auth ENGINE`
"""

from __future__ import annotations

from urllib.parse import urlsplit

from citewatch.models import CaptureStatus


class CitewatchError(Exception):
    """Base of every error citewatch raises on purpose."""


class UnknownEngine(CitewatchError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class ConfigError(CitewatchError):
    pass


class StorageError(CitewatchError):
    pass


class NoStore(StorageError):
    """The URL names no citewatch store: reading commands say so instead of creating an empty one."""


class BrowserNotFound(CitewatchError):
    pass


class CaptureError(CitewatchError):
    status: CaptureStatus = CaptureStatus.error


class TransientCaptureError(CaptureError):
    status = CaptureStatus.error


class IncompleteAnswer(TransientCaptureError):
    status = CaptureStatus.incomplete


class UnreachableError(CaptureError):
    """The browser could not reach the engine at all (no DNS, no route, connection refused). Asking again a
    few seconds later gives the same answer, so it is not transient: one attempt, one line saying so."""

    status = CaptureStatus.error

    def __init__(self, engine: str, url: str, code: str) -> None:
        host = urlsplit(url).netloc or url
        super().__init__(f"{engine} cannot be reached from this machine: {host} ({code}); not retried")
        self.engine = engine
        self.code = code


class BlockedError(CaptureError):
    status = CaptureStatus.blocked

    def __init__(self, message: str, *, status: CaptureStatus = CaptureStatus.blocked) -> None:
        super().__init__(message)
        self.status = status


class ConsentRequiredError(CaptureError):
    status = CaptureStatus.consent_required


class LoginRequiredError(CaptureError):
    status = CaptureStatus.login_required

    def __init__(self, engine: str, detail: str = "the page asks to log in") -> None:
        super().__init__(f"{engine}: {detail}; run `citewatch auth {engine}` to save a logged-in session")
        self.engine = engine
