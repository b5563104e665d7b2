"""Ready-to-install schedule entries for a campaign: a crontab line and a systemd service + timer."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from citewatch.campaign import Campaign
from citewatch.errors import ConfigError
from citewatch.storage.db import shareable_url

# cron's five fields map onto systemd's OnCalendar=DOW YYYY-MM-DD HH:MM:SS for the common forms.
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


@dataclass(frozen=True, slots=True)
class ScheduleEntries:
    crontab: str
    service: str
    timer: str
    unit_name: str


def _systemd_field(value: str, *, names: tuple[str, ...] | None = None) -> str:
    if value == "*":
        return "*"
    if value.startswith("*/"):
        return f"00/{value[2:]}" if names is None else value
    parts = []
    for item in value.split(","):
        if names is not None:
            if "-" in item:
                low, high = item.split("-")
                parts.append(f"{names[int(low) % 7]}..{names[int(high) % 7]}")
            else:
                parts.append(names[int(item) % 7])
        else:
            parts.append(item.replace("-", ".."))
    return ",".join(parts)


def on_calendar(cron: str, timezone: str = "UTC") -> str:
    """systemd's OnCalendar= for a five-field cron expression, in `timezone` (systemd's zone suffix)."""
    fields = cron.split()
    if len(fields) != 5:
        raise ConfigError(f"not a five-field cron expression: {cron!r}")
    minute, hour, day, month, weekday = fields
    try:
        dow = "" if weekday == "*" else _systemd_field(weekday, names=_DAYS) + " "
        date = f"*-{_systemd_field(month)}-{_systemd_field(day)}"
        time = f"{_systemd_field(hour)}:{_systemd_field(minute)}:00"
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"cannot express {cron!r} as a systemd calendar: {exc}") from exc
    return f"{dow}{date} {time} {timezone}"


def entries(
    campaign: Campaign,
    campaign_path: Path,
    *,
    workdir: Path,
    db_url: str | None = None,
    executable: str | None = None,
) -> ScheduleEntries:
    """The entries run the campaign in its own time zone: cron through a `CRON_TZ=` line, systemd through the
    OnCalendar zone suffix. A `db_url` goes into the command without its password (see `shareable_url`)."""
    if not campaign.schedule:
        raise ConfigError(f'campaign {campaign.name!r} has no schedule (add schedule = "0 3 * * *")')
    command = executable or str(Path(sys.executable).with_name("citewatch"))
    run = f"{shlex.quote(command)} run {shlex.quote(str(campaign_path.resolve()))}"
    if db_url is not None:
        run += f" --db {shlex.quote(shareable_url(db_url))}"
    log = workdir / f"citewatch-{campaign.name}.log"
    unit = f"citewatch-{campaign.name}"
    crontab = (
        f"CRON_TZ={campaign.timezone}\n"
        f"{campaign.schedule} cd {shlex.quote(str(workdir))} && {run} >> {shlex.quote(str(log))} 2>&1"
    )
    service = "\n".join(
        [
            "[Unit]",
            f"Description=citewatch campaign {campaign.name}",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=oneshot",
            f"WorkingDirectory={workdir}",
            f"ExecStart={run}",
            "",
        ]
    )
    timer = "\n".join(
        [
            "[Unit]",
            f"Description=Run citewatch campaign {campaign.name} on its schedule",
            "",
            "[Timer]",
            f"OnCalendar={on_calendar(campaign.schedule, campaign.timezone)}",
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )
    return ScheduleEntries(crontab=crontab, service=service, timer=timer, unit_name=unit)
