"""Campaign files: what to ask, where, how often; expanded into capture jobs with stable keys.

A campaign is TOML validated by pydantic (unknown keys rejected). Every error names the key path and,
where the file shows it, the line. A job key names one capture job for one schedule slot, so running the
same slot again skips what is done and retries what is not.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from citewatch.analysis.brands import brands_from_table
from citewatch.engines import ENGINES, unknown_engine_message
from citewatch.errors import ConfigError
from citewatch.toml_errors import find_line, key_path


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_prompt(text: str) -> str:
    """A prompt as typed, refused when there is nothing to ask (an engine would only time out)."""
    if not text.strip():
        raise ValueError("a prompt needs some text (it is empty or only spaces)")
    return text


PromptText = Annotated[str, AfterValidator(check_prompt)]


def _known_engine(name: str) -> str:
    if name not in ENGINES:
        raise ValueError(unknown_engine_message(name))
    return name


# An engine key checked on its own, so an error's location is the key (and `find_line` finds its table)
EngineKey = Annotated[str, AfterValidator(_known_engine)]


class PromptSpec(_Strict):
    text: PromptText
    tags: list[str] = Field(default_factory=list)
    engines: list[str] | None = None  # a subset of the campaign's engines for this prompt


class EngineSpec(_Strict):
    base_url: str | None = None  # a replica or another deployment; the real site by default
    storage_state: Path | None = None  # a saved logged-in session for this engine (an account)
    web_search: bool = False
    min_delay_s: float = Field(default=0.0, ge=0)  # pacing: least time between two captures' starts


class LocaleSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    locale: str = "en-US"  # browser locale, and Google's hl
    country: str | None = None  # Google's gl
    timezone: str | None = None
    proxy: str | None = None


class Campaign(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    prompts: list[PromptSpec] = Field(min_length=1)
    engines: dict[EngineKey, EngineSpec] = Field(min_length=1)
    locales: list[LocaleSpec] = Field(default_factory=lambda: [LocaleSpec(name="default")])
    repeats: int = Field(default=1, ge=1, le=1000)
    concurrency: int = Field(default=1, ge=1, le=64)
    timeout_s: float = Field(default=120.0, gt=0)
    schedule: str | None = None  # cron expression; its slots name the runs
    timezone: str = "UTC"  # the zone the schedule's times are in, for the slots and the printed cron/systemd entries
    brands: dict[str, Any] | None = None  # inline [[brands.brand]] tables, or {file = "brands.toml"}

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        if schedule is not None and not croniter.is_valid(schedule):
            raise ValueError(f"not a cron expression: {schedule!r} (five fields, e.g. '0 3 * * *')")
        return schedule

    @field_validator("timezone")
    @classmethod
    def _zone(cls, timezone: str) -> str:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not a time zone: {timezone!r} (an IANA name, e.g. 'Europe/Berlin' or 'UTC')") from None
        return timezone

    @model_validator(mode="after")
    def _prompt_engines(self) -> Campaign:
        for index, prompt in enumerate(self.prompts):
            for engine in prompt.engines or ():
                if engine not in self.engines:
                    raise ValueError(
                        f"prompt {index + 1} names engine {engine!r}, which the campaign does not list "
                        f"(it lists {', '.join(self.engines)})"
                    )
        names = [locale.name for locale in self.locales]
        if len(set(names)) != len(names):
            raise ValueError("locale names must be unique")
        return self


@dataclass(frozen=True, slots=True)
class Job:
    """One capture to make: prompt × engine × locale × repeat, in one schedule slot."""

    key: str
    campaign: str
    slot: str
    prompt: str
    engine: str
    locale: LocaleSpec
    repeat: int


def load_campaign(path: Path) -> Campaign:
    """Read and validate a campaign file; `ConfigError` says which key (and line) is wrong."""
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read campaign {path}: {exc.strerror}") from exc
    return parse_campaign(source, origin=str(path), base_dir=path.parent)


def parse_campaign(source: str, *, origin: str = "<campaign>", base_dir: Path | None = None) -> Campaign:
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = key_path(error["loc"])
            line = find_line(source, error["loc"])
            where = f"line {line}, " if line else ""
            problems.append(f"{where}{key}: {error['msg']}")
        raise ConfigError(f"{origin}: " + "; ".join(problems)) from exc
    if campaign.brands is not None:  # validated now, so a typo fails before the first capture
        brands_from_table(campaign.brands, origin=f"{origin}: brands", base_dir=base_dir, source=source, at=("brands",))
    for spec in campaign.engines.values():
        if spec.storage_state is not None:
            state = spec.storage_state.expanduser()
            spec.storage_state = base_dir / state if base_dir is not None and not state.is_absolute() else state
    return campaign


def schedule_slot(campaign: Campaign, now: datetime | None = None) -> str:
    """The slot a run belongs to: the latest cron time not after now, or the day when there is no schedule, both
    in the campaign's time zone (the one the printed cron and systemd entries fire in). A slot with a time is
    named by its instant in UTC."""
    local_now = (now or datetime.now(UTC)).astimezone(ZoneInfo(campaign.timezone))
    if campaign.schedule:
        previous = croniter(campaign.schedule, local_now).get_prev(datetime)
        return str(previous.astimezone(UTC).strftime(SLOT_FORMAT))
    return local_now.strftime("%Y-%m-%d")


def _prompt_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def expand(campaign: Campaign, slot: str) -> Iterator[Job]:
    """Every job of one slot, repeats interleaved so an interrupted run has spread its captures."""
    for repeat in range(1, campaign.repeats + 1):
        for prompt in campaign.prompts:
            for engine in prompt.engines or list(campaign.engines):
                for locale in campaign.locales:
                    key = "|".join((campaign.name, slot, engine, locale.name, _prompt_id(prompt.text), f"r{repeat}"))
                    yield Job(key, campaign.name, slot, prompt.text, engine, locale, repeat)


SLOT_FORMAT = "%Y-%m-%dT%H:%MZ"  # the slots of a schedule, as `schedule_slot` names them
_SLOT_LABEL = re.compile(r"[^\s|#\x00-\x1f\x7f][^|#\x00-\x1f\x7f]{0,99}")


def check_slot(campaign: Campaign, slot: str) -> str:
    """A slot given by hand. It is part of every job key, so it holds no `|` or `#` (the keys' separators) and
    no control character; with a schedule it must be one of the schedule's times, or the run would be filed
    under a slot the schedule never has."""
    if not _SLOT_LABEL.fullmatch(slot):
        raise ConfigError(f"--slot {slot!r}: a slot is 1-100 characters, without '|', '#' or control characters")
    if campaign.schedule:
        try:
            when = datetime.strptime(slot, SLOT_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            when = None
        if when is None or not croniter.match(campaign.schedule, when):
            example = schedule_slot(campaign)
            raise ConfigError(f"--slot {slot!r} is not a slot of the schedule {campaign.schedule!r} (e.g. {example})")
    return slot
