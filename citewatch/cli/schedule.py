"""`citewatch schedule CAMPAIGN.toml`: print cron and systemd timer entries for the campaign's schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citewatch.cli._options import DbOpt
from citewatch.cli._render import console
from citewatch.storage.db import safe_url


def schedule(
    campaign_file: Annotated[Path, typer.Argument(help="Campaign TOML file.", show_default=False)],
    workdir: Annotated[Path, typer.Option(help="Directory the scheduled run starts in.")] = Path(),
    db: DbOpt = None,
) -> None:
    """Print a crontab line and a systemd service + timer that run the campaign on its schedule."""
    # imported when the command runs: other commands should not load croniter
    from citewatch.campaign import load_campaign
    from citewatch.schedule import entries

    campaign = load_campaign(campaign_file)
    found = entries(campaign, campaign_file, workdir=workdir.resolve(), db_url=db)
    console.print(
        f"# crontab -e, then add (times in {campaign.timezone}; a cron without CRON_TZ, such as Debian's, "
        "fires in the server's zone: then prefer the systemd timer):",
        markup=False,
    )
    console.print(found.crontab, markup=False, soft_wrap=True)
    console.print(f"\n# systemd: /etc/systemd/system/{found.unit_name}.service", markup=False)
    console.print(found.service, markup=False, soft_wrap=True)
    console.print(f"# systemd: /etc/systemd/system/{found.unit_name}.timer", markup=False)
    console.print(found.timer, markup=False, soft_wrap=True)
    console.print(f"# then: systemctl daemon-reload && systemctl enable --now {found.unit_name}.timer", markup=False)
    if db is not None and "***" in safe_url(db):
        console.print(
            "# the database password stays out of these entries: put it in ~/.pgpass (or PGPASSWORD) "
            "for the user the job runs as",
            markup=False,
        )
