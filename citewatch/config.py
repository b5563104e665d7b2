"""Settings read from the environment (`CITEWATCH_*`), with the defaults a first-time user needs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_config_dir() -> Path:
    return Path.home() / ".config" / "citewatch"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEWATCH_", extra="ignore")

    db_url: str = "sqlite:///citewatch.db"
    """Where captures are stored: SQLite by default, or `postgresql+psycopg://user@host:5432/db`."""

    chromium: str | None = None
    """Path of the Chromium/Chrome binary to drive; found automatically when unset."""

    config_dir: Path = Field(default_factory=_default_config_dir)
    """Holds saved logged-in sessions (`auth/<engine>.json`, mode 0600)."""

    capture_timeout_s: float = 120.0
    """Time budget for one answer, from submitting the prompt to the answer being complete."""

    max_attempts: int = 3
    """Attempts per capture for transient failures (timeouts, 5xx, an answer that never finished)."""

    extract_budget_s: float = 60.0
    """Time budget for extracting one captured page in a run (in a child process, killed when it overruns; the
    capture records an `error` extraction and keeps its snapshot). 0: no budget, extract in the process."""

    captures: Path | None = None
    """The real saved pages the quality gate also scores (`fixtures check`); unset: `shared/captures` beside the
    checkout, i.e. `<fixtures root>/../../shared/captures`."""

    @property
    def auth_dir(self) -> Path:
        return self.config_dir / "auth"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
