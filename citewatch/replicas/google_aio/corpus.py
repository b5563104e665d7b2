"""The replica's results pages: a few stored searches, and a generic page built from any other query.

An overview is written as light markup: blocks separated by blank lines, `## ` headings, `- ` list items
whose `**Lead:**` is a sentence of its own (as Google renders a list item: bold lead, then description),
and citation markers glued to the end of a sentence: `[2]` is a cluster after that sentence standing for
`sources[1]`, `[1,3]` one cluster for two sources. A cluster supports the sentences of its block since
the previous cluster (Google's `data-uuids`). Sources are invented pages on invented sites; some are
listed without being behind any cluster, as on the real page. Each search also has organic results
(some of them sources of the overview too, so SERP overlap can be measured) and "People also ask".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    url: str
    title: str
    site: str
    snippet: str = ""
    date: str | None = None  # shown before the snippet: "12 Mar 2025 — …"


@dataclass(frozen=True)
class Organic:
    url: str
    title: str
    site: str
    snippet: str


@dataclass(frozen=True)
class Search:
    overview: str  # markup, see the module docstring; "" = no AI Overview for this search
    sources: tuple[Source, ...]
    organic: tuple[Organic, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class _Stored:
    triggers: re.Pattern[str]  # matched against the lower-cased query
    search: Search


_KETTLE_SOURCES = (
    Source(
        "https://www.homeappliance-lab.com/kettles/best-electric-kettles",
        "The best electric kettles, tested for speed and noise",
        "Home Appliance Lab",
        "We boiled 1.7 litres 40 times in each of 18 kettles and timed every run.",
        "14 Jan 2025",
    ),
    Source(
        "https://kitchenwise.co.uk/guides/kettle-buying-guide#:~:text=Limescale%20filter",
        "Kettle buying guide: capacity, power and filters",
        "KitchenWise",
        "A removable limescale filter matters most in hard-water areas.",
    ),
    Source(
        "https://www.quietliving.net/blog/quiet-kettles",
        "Five quiet kettles for open-plan homes",
        "Quiet Living",
        "Rapid-boil kettles are the loudest; look for a rated level under 60 dB.",
        "3 Sept 2024",
    ),
    Source(
        "https://forum.tea-lovers.org/t/temperature-control-kettles/2231",
        "Is temperature control worth it for green tea?",
        "Tea Lovers Forum",
        "Green tea brewed at 80 °C tastes noticeably less bitter than at a full boil.",
        "22 Jun 2023",
    ),
    Source(
        "https://www.energysaver-hub.org/articles/kettle-energy-use",
        "How much energy does a kettle use?",
        "Energy Saver Hub",
        "Boiling only the water you need saves more than any kettle feature.",
    ),
    Source(
        "https://www.brightmart.co.uk/small-appliances/kettles/aurora-17",
        "Aurora 1.7 L glass kettle with temperature presets",
        "BrightMart",
        "Five presets from 70 °C to 100 °C and a keep-warm mode for 30 minutes.",
    ),
    Source(
        "https://www.safety-standards.org/appliances/kettle-auto-shutoff",
        "Boil-dry protection and automatic shut-off explained",
        "Safety Standards Council",
    ),
    Source(
        "https://www.cleaninghacks.net/descale-a-kettle-with-citric-acid",
        "How to descale a kettle with citric acid",
        "Cleaning Hacks",
        "Citric acid removes limescale without the smell of vinegar.",
        "27 Nov 2024",
    ),
)

_KETTLE = Search(
    overview="""\
The best electric kettle for most homes boils quickly, is easy to fill and has a limescale filter; \
temperature control is worth paying for if you drink green or white tea.[1,2]

## Features that matter

- **Capacity:** A 1.7 L kettle suits a family, but boiling only what you need saves energy.[1,5]
- **Temperature control:** Presets between 70 °C and 100 °C keep delicate teas from turning bitter.[4,6]
- **Noise:** Rapid-boil models are the loudest, so check the rated noise level.[3]
- **Safety:** Automatic shut-off and boil-dry protection are standard on current models.[7]

## Good picks

Glass kettles with presets, such as the Aurora 1.7 L, are popular with tea drinkers.[6] \
For quiet kitchens, reviewers favour slower, insulated models.[3]""",
    sources=_KETTLE_SOURCES,
    organic=(
        Organic(
            "https://www.homeappliance-lab.com/kettles/best-electric-kettles",
            "The best electric kettles of 2025, tested",
            "Home Appliance Lab",
            "14 Jan 2025 — We boiled 1.7 litres 40 times in each of 18 kettles and timed every run.",
        ),
        Organic(
            "https://www.consumer-picks.com/kitchen/kettles",
            "Best kettles 2025 | Consumer Picks",
            "Consumer Picks",
            "Our experts rated 25 kettles for speed, ease of use and build quality.",
        ),
        Organic(
            "https://kitchenwise.co.uk/guides/kettle-buying-guide",
            "Kettle buying guide: capacity, power and filters",
            "KitchenWise",
            "Everything to check before you buy: capacity, wattage, filters and cordless bases.",
        ),
        Organic(
            "https://www.brightmart.co.uk/small-appliances/kettles",
            "Kettles | BrightMart",
            "BrightMart",
            "Shop glass, steel and temperature-control kettles with free delivery.",
        ),
        Organic(
            "https://www.techreview-daily.com/best/kettles",
            "The 6 best electric kettles we tested",
            "TechReview Daily",
            "From budget picks to variable-temperature models for tea lovers.",
        ),
    ),
    questions=(
        "Which kettle brand is the most reliable?",
        "Is it worth buying a temperature-control kettle?",
        "How often should you descale a kettle?",
    ),
)

_STORED = (_Stored(re.compile(r"\bkettles?\b"), _KETTLE),)

_GENERIC_SITES = (
    ("https://www.everyday-guides.com/{slug}", "Everyday Guides"),
    ("https://answers.community-forum.net/q/{slug}", "Community Forum"),
    ("https://www.reference-desk.org/topics/{slug}", "Reference Desk"),
    ("https://www.practical-reviews.com/{slug}-explained", "Practical Reviews"),
)


def search_for(query: str) -> Search:
    """The stored search a query triggers, else a generic page about the query itself."""
    lowered = query.lower()
    for stored in _STORED:
        if stored.triggers.search(lowered):
            return stored.search
    return _generic(query)


def _generic(query: str) -> Search:
    topic = " ".join(query.split()) or "this topic"
    slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:50] or "topic"
    # A stable variation per query: which site leads, so different questions cite in different orders.
    shift = int(hashlib.sha256(topic.encode()).hexdigest(), 16) % len(_GENERIC_SITES)
    sites = _GENERIC_SITES[shift:] + _GENERIC_SITES[:shift]
    sources = tuple(
        Source(url.format(slug=slug), f"{topic.capitalize()}: an overview by {name}", name, f"{name} on {topic}.")
        for url, name in sites
    )
    overview = (
        f"Here is a short overview of {topic}, drawn from several sources.[1]\n\n"
        f"## Key points\n\n"
        f"- **Background:** Guides describe {topic} from the basics up.[1,2]\n"
        f"- **In practice:** Community answers add first-hand experience.[3]\n\n"
        f"Reviews compare the options side by side.[4]"
    )
    organic = tuple(Organic(s.url, s.title, s.site, s.snippet) for s in sources[:3])
    return Search(overview, sources, organic, (f"What is {topic}?", f"How does {topic} work?"))
