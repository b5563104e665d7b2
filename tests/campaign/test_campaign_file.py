"""Campaign files: validation with the key and line of every error, and stable job expansion."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from citewatch.campaign import expand, load_campaign, parse_campaign, schedule_slot
from citewatch.engines import ENGINES, Engine
from citewatch.errors import ConfigError


@pytest.fixture(autouse=True)
def _second_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Expansion across engines does not depend on which engines have landed: register a stand-in."""
    monkeypatch.setitem(ENGINES, "second", Engine("second", "Second", "https://second.example/"))


GOOD = """
name = "crm-weekly"
repeats = 2
concurrency = 2
schedule = "0 3 * * *"

[[prompts]]
text = "best CRM for SaaS startups"
tags = ["crm"]

[[prompts]]
text = "cheapest CRM"
engines = ["perplexity"]

[engines.perplexity]
base_url = "http://127.0.0.1:8765/"
min_delay_s = 1

[engines.second]
storage_state = "auth/second.json"

[[locales]]
name = "us"
locale = "en-US"
country = "us"

[[locales]]
name = "de"
locale = "de-DE"
country = "de"
timezone = "Europe/Berlin"
"""


def test_a_good_campaign_expands_into_keyed_jobs(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD)
    campaign = load_campaign(path)
    assert campaign.engines["second"].storage_state == tmp_path / "auth/second.json"
    jobs = list(expand(campaign, "2026-11-22T03:00Z"))
    # prompt 1: 2 engines × 2 locales; prompt 2: 1 engine × 2 locales; all × 2 repeats
    assert len(jobs) == (4 + 2) * 2
    assert len({job.key for job in jobs}) == len(jobs)
    assert jobs == list(expand(campaign, "2026-11-22T03:00Z"))  # stable
    assert jobs[0].key.startswith("crm-weekly|2026-11-22T03:00Z|perplexity|us|")
    assert [job.repeat for job in jobs[:6]] == [1] * 6  # repeats interleaved, not bunched


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ('colour = "red"\n', "line 1, colour: Extra inputs are not permitted"),
        ("", None),
    ],
)
def test_unknown_top_level_keys_are_rejected_with_their_line(patch: str, message: str | None) -> None:
    if message is None:
        parse_campaign(GOOD)
        return
    with pytest.raises(ConfigError, match=message):
        parse_campaign(patch + GOOD)


def test_errors_name_the_key_and_line() -> None:
    bad = GOOD.replace('text = "cheapest CRM"', 'txt = "cheapest CRM"').replace("min_delay_s = 1", "min_delay_s = -1")
    with pytest.raises(ConfigError) as excinfo:
        parse_campaign(bad, origin="c.toml")
    message = str(excinfo.value)
    assert message.startswith("c.toml: ")
    assert "prompts[2].text: Field required" in message  # positions count from 1, as a reader counts
    assert "line 12, prompts[2].txt: Extra inputs are not permitted" in message
    assert "line 17, engines.perplexity.min_delay_s" in message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[engines.second]", "[engines.bing]", "unknown engine"),
        ('schedule = "0 3 * * *"', 'schedule = "every day"', "not a cron expression"),
        ('name = "crm-weekly"', "name = ", "not valid TOML"),
        ("repeats = 2", "repeats = 0", "repeats: Input should be greater than or equal to 1"),
    ],
)
def test_invalid_campaigns_say_why(old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_campaign(GOOD.replace(old, new))


def test_a_prompt_may_only_name_campaign_engines() -> None:
    with pytest.raises(ConfigError, match="does not list"):
        parse_campaign(GOOD.replace('engines = ["perplexity"]', 'engines = ["bing"]'))


def test_an_engine_typo_names_its_line_and_the_closest_engine() -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_campaign(GOOD.replace("[engines.second]", "[engines.Perplexty]"), origin="c.toml")
    message = str(excinfo.value)
    line = GOOD.splitlines().index("[engines.second]") + 1
    assert (
        f"line {line}, engines.Perplexty: Value error, unknown engine 'Perplexty'; did you mean perplexity?" in message
    )


@pytest.mark.parametrize("text", ['""', '"   "', '"\\n\\t"'])
def test_an_empty_prompt_is_rejected_with_its_line(text: str) -> None:
    with pytest.raises(ConfigError, match=r"line 8, prompts\[1\]\.text: Value error, a prompt needs some text"):
        parse_campaign(GOOD.replace('text = "best CRM for SaaS startups"', f"text = {text}"))


def test_slots_are_computed_in_the_campaign_time_zone() -> None:
    """Mondays 03:00 in Berlin is 02:00Z in winter: a run started by that timer at 03:00 Berlin time belongs to
    that Monday's slot, not the week before's (as it did when the slot was computed in UTC)."""
    weekly = GOOD.replace('schedule = "0 3 * * *"', 'schedule = "0 3 * * 1"\ntimezone = "Europe/Berlin"')
    campaign = parse_campaign(weekly)
    fired = datetime(2026, 11, 23, 2, 0, 5, tzinfo=UTC)  # Monday 03:00:05 in Berlin
    assert schedule_slot(campaign, fired) == "2026-11-23T02:00Z"
    summer = datetime(2026, 6, 1, 1, 0, 5, tzinfo=UTC)  # Monday 03:00:05 CEST
    assert schedule_slot(campaign, summer) == "2026-06-01T01:00Z"
    daily = parse_campaign(GOOD.replace('schedule = "0 3 * * *"', 'timezone = "Asia/Tokyo"'))
    assert schedule_slot(daily, datetime(2026, 11, 22, 20, 0, tzinfo=UTC)) == "2026-11-23"  # already the 23rd


def test_an_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ConfigError, match="timezone: Value error, not a time zone: 'Europe/Berln'"):
        parse_campaign(GOOD.replace('schedule = "0 3 * * *"', 'timezone = "Europe/Berln"'))


def test_slots_follow_the_schedule() -> None:
    campaign = parse_campaign(GOOD)
    assert schedule_slot(campaign, datetime(2026, 11, 22, 11, 5, tzinfo=UTC)) == "2026-11-22T03:00Z"
    assert schedule_slot(campaign, datetime(2026, 11, 22, 2, 59, tzinfo=UTC)) == "2026-11-21T03:00Z"
    daily = parse_campaign(GOOD.replace('schedule = "0 3 * * *"\n', ""))
    assert schedule_slot(daily, datetime(2026, 11, 22, 11, 5, tzinfo=UTC)) == "2026-11-22"


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read campaign"):
        load_campaign(tmp_path / "nope.toml")


def test_brands_inline_or_from_a_file_are_validated(tmp_path: Path) -> None:
    (tmp_path / "brands.toml").write_text('[[brand]]\nname = "Acme"\ndomains = ["acme.example"]\nours = true\n')
    path = tmp_path / "c.toml"
    path.write_text(GOOD + '\n[brands]\nfile = "brands.toml"\n')
    assert load_campaign(path).brands == {"file": "brands.toml"}
    inline = GOOD + '\n[[brands.brand]]\nname = "Acme"\n[[brands.brand]]\nname = "Bolt"\nalias = ["B"]\n'
    line = len((GOOD + "\n[[brands.brand]]\nname = 'Acme'\n[[brands.brand]]\nname = 'Bolt'\n").splitlines()) + 1
    with pytest.raises(ConfigError, match=rf"brands: line {line}, brand\[2\]\.alias: Extra inputs are not permitted"):
        parse_campaign(inline)
    (tmp_path / "brands.toml").unlink()
    with pytest.raises(ConfigError, match="cannot read brand file"):
        load_campaign(path)


@pytest.mark.parametrize("name", ["replica-campaign.toml", "weekly-crm.toml"])
def test_the_shipped_examples_are_valid(name: str) -> None:
    campaign = load_campaign(Path(__file__).resolve().parents[2] / "examples" / name)
    assert list(expand(campaign, "slot"))
