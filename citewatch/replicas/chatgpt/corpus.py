"""The replica's answers: a few stored prompts, and a generic answer built from any other prompt.

An answer is the markdown ChatGPT writes, where `[n]` cites the nth page its web search retrieved (a run
`[1][4]` is one grouped pill) and a line `{navlist <title>|1,2}` shows those pages as a news carousel, the
fan-out queries the search ran, and every page it retrieved: some are never cited, as on the real site
(engines.md §2.3: `search_result_groups` hold more than the pills show).
Pages are realistic sites with invented titles and snippets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from citewatch.extract._urls import registrable_domain
from citewatch.replicas._topics import Topic


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    site: str  # the stream's `attribution`
    snippet: str
    published: str | None = None  # ISO date; the stream sends it as epoch seconds

    @property
    def domain(self) -> str:
        return registrable_domain(self.url) or urlsplit(self.url).hostname or self.url

    @property
    def label(self) -> str:
        """What a pill shows: the host without `www.` (engines.md §2.2: "visible text = domain")."""
        return (urlsplit(self.url).hostname or self.url).removeprefix("www.")


@dataclass(frozen=True)
class Answer:
    markdown: str
    pages: tuple[Page, ...]
    queries: tuple[str, ...]


@dataclass(frozen=True)
class _Stored:
    triggers: re.Pattern[str]  # matched against the lower-cased prompt
    answer: Answer


_HEADPHONES = Answer(
    markdown="""\
For most people the best budget noise-cancelling headphones cost under $150 and trade a little sound \
quality for long battery life.[1][3] Reviewers keep coming back to the same few models.[2]

## Top picks

1. **Soundcore Space Q45** – strong cancellation for the price and about 50 hours per charge.[1][4]
2. **Sony WH-CH720N** – light and comfortable, with Sony's app and a clean default sound.[2]
3. **JLab JBuds Lux ANC** – the cheapest model that still blocks engine drone on a plane.[5]
4. **Bose QuietComfort (2023)** – often discounted into this range, and the most comfortable.[3][6]

## What to check

- **Fit**: cancellation depends on a good seal, so try them with glasses if you wear them.[6]
- **Codecs**: LDAC or aptX only matter if your phone supports them.[4]
- **Returns**: buy where returns are easy, because comfort is personal.

The [RTINGS comparison table](https://www.rtings.com/headphones/tools/table) lets you sort by measured \
noise isolation.""",
    pages=(
        Page(
            "https://www.rtings.com/headphones/reviews/best/by-price/budget-noise-cancelling",
            "The 6 Best Budget Noise Cancelling Headphones",
            "RTINGS.com",
            "We've tested over 800 headphones; these are the best noise cancelling models you can get for less.",
            "2025-09-14",
        ),
        Page(
            "https://www.nytimes.com/wirecutter/reviews/best-budget-noise-cancelling-headphones/",
            "The Best Budget Noise-Cancelling Headphones",
            "Wirecutter",
            "After testing 30 pairs, our pick blocks more noise than anything else near its price.",
            "2025-07-02",
        ),
        Page(
            "https://www.theverge.com/23475498/best-noise-cancelling-headphones",
            "The best noise-canceling headphones to buy right now",
            "The Verge",
            "From premium flagships to affordable alternatives, these are the ones we'd spend money on.",
            "2025-10-20",
        ),
        Page(
            "https://www.soundguys.com/best-cheap-noise-cancelling-headphones-21014/",
            "Best cheap noise cancelling headphones",
            "SoundGuys",
            "Good active noise cancelling no longer costs a fortune; here is what we measured.",
            "2025-08-11",
        ),
        Page(
            "https://www.reddit.com/r/headphones/comments/1g7q2kx/best_anc_under_100/",
            "Best ANC under $100? : r/headphones",
            "Reddit",
            "I fly twice a month and just want the drone gone without spending Bose money.",
        ),
        Page(
            "https://www.consumerreports.org/electronics/headphones/best-noise-canceling-headphones-a1156942823/",
            "Best Noise-Canceling Headphones of the Year",
            "Consumer Reports",
            "Our lab tests rate noise reduction, sound quality, comfort and battery life.",
            "2025-05-30",
        ),
        Page(
            "https://www.amazon.com/Best-Sellers-Noise-Cancelling-Headphones/zgbs/electronics/12097479011",
            "Amazon Best Sellers: Best Noise Cancelling Headphones",
            "Amazon",
            "Discover the best noise cancelling headphones in Best Sellers, updated hourly.",
        ),
        Page(
            "https://www.whathifi.com/best-buys/headphones/best-cheap-headphones",
            "Best cheap headphones 2025: budget wired and wireless",
            "What Hi-Fi?",
            "Great sound doesn't have to cost much; these are our tested favourites at every price.",
            "2025-06-18",
        ),
    ),
    queries=(
        "best budget noise cancelling headphones 2025",
        "budget ANC headphones review under $150",
        "Sony WH-CH720N vs Soundcore Space Q45",
    ),
)

_ENERGY = Answer(
    markdown="""\
The quickest way to cut an electricity bill is to find the few appliances that use the most power and change \
how you run them.[1][2] Heating and cooling are usually the largest share.[1]

## Changes that pay off fastest

- **Thermostat**: each degree lower in winter saves roughly 1 to 3 percent of heating costs.[1][3]
- **Standby power**: devices left on standby can add up to a tenth of a household's use.[4]
- **Time of use**: on a time-of-use tariff, run the dishwasher and laundry late in the evening.[2][5]
- **Lighting**: LED bulbs use about 75 percent less energy than incandescent ones.[3]

## Bigger projects

Insulation and draught-proofing cost more up front but reduce heating demand for years.[6] Check the \
[ENERGY STAR rebate finder](https://www.energystar.gov/rebate-finder) before buying a new appliance.""",
    pages=(
        Page(
            "https://www.energy.gov/energysaver/energy-saver-guide-tips-saving-money-and-energy-home",
            "Energy Saver Guide: Tips on Saving Money and Energy at Home",
            "Energy.gov",
            "Simple changes to how you heat, cool and light your home add up to real savings.",
            "2025-01-15",
        ),
        Page(
            "https://www.nerdwallet.com/article/finance/lower-electric-bill",
            "How to Lower Your Electric Bill: 15 Ways",
            "NerdWallet",
            "Some fixes are free and take minutes; others need an upfront investment but pay off.",
            "2025-08-03",
        ),
        Page(
            "https://www.energystar.gov/products/lighting_fans/light_bulbs",
            "Light Bulbs | ENERGY STAR",
            "ENERGY STAR",
            "Certified LED bulbs use up to 90 percent less energy and last years longer.",
        ),
        Page(
            "https://www.energysavingtrust.org.uk/advice/quick-tips-to-save-energy/",
            "Quick tips to save energy",
            "Energy Saving Trust",
            "Switching appliances off standby could save the average household a noticeable sum each year.",
            "2025-03-27",
        ),
        Page(
            "https://www.reddit.com/r/personalfinance/comments/1c4m8fz/how_we_cut_our_electric_bill_by_40/",
            "How we cut our electric bill by 40% : r/personalfinance",
            "Reddit",
            "The time-of-use plan plus a smart thermostat did most of the work for us.",
        ),
        Page(
            "https://www.consumerreports.org/home-garden/home-energy-efficiency/insulation-guide-a1072643391/",
            "Home Insulation Guide",
            "Consumer Reports",
            "Where to add insulation first, and how much you can expect to save on heating.",
            "2025-02-11",
        ),
        Page(
            "https://www.bankrate.com/real-estate/average-electric-bill/",
            "Average electric bill by state",
            "Bankrate",
            "What households pay for electricity each month, and why it varies so much.",
            "2025-10-01",
        ),
    ),
    queries=(
        "how to lower electricity bill at home",
        "biggest household electricity users",
        "time of use tariff savings tips",
    ),
)

_NEWS = Answer(
    markdown="""\
The Riverside Bridge reopened to traffic on Monday after eight months of repairs, a week ahead of schedule.[1]

{navlist Riverside Bridge reopening|1,2,3,4}

## What changed

- **Cycle lanes**: the deck now carries a protected cycle lane on each side.[2]
- **Weight limit**: lorries over 18 tonnes still have to use the ring road until the spring inspection.[5]

The council's [roadworks map](https://www.riversidecouncil.gov.uk/roadworks) shows the closures that remain.""",
    pages=(
        Page(
            "https://apnews.com/article/riverside-bridge-reopens-after-repairs-4f1c2a",
            "Riverside Bridge reopens a week early after eight months of repairs",
            "AP News",
            "Drivers crossed the river again on Monday morning as the last barriers came down.",
            "2025-11-24",
        ),
        Page(
            "https://www.bbc.co.uk/news/articles/riverside-bridge-cycle-lanes",
            "Riverside Bridge: what the new cycle lanes mean for commuters",
            "BBC News",
            "The repaired bridge is the first in the city with kerb-protected lanes in both directions.",
            "2025-11-24",
        ),
        Page(
            "https://www.reuters.com/world/uk/riverside-bridge-repair-bill-rises-2025-11-21/",
            "Riverside Bridge repair bill rises to 48 million pounds",
            "Reuters",
            "Extra steelwork found during the repairs added a fifth to the original estimate.",
            "2025-11-21",
        ),
        Page(
            "https://www.youtube.com/watch?v=rB7qL2mXw0c",
            "Riverside Bridge reopening: the first cars cross",
            "YouTube",
            "Footage of the reopening ceremony and the first traffic on the bridge.",
            "2025-11-24",
        ),
        Page(
            "https://www.riversidecouncil.gov.uk/news/bridge-weight-limit",
            "Weight limit stays on Riverside Bridge until spring",
            "Riverside Council",
            "Heavy goods vehicles must keep using the ring road until the structure is inspected again.",
            "2025-11-20",
        ),
        Page(
            "https://www.localgov.co.uk/bridge-repairs-funding-round",
            "Councils bid for bridge repair funding",
            "LocalGov",
            "A new funding round opens for councils with ageing river crossings.",
            "2025-10-02",
        ),
    ),
    queries=("Riverside Bridge reopening news", "Riverside Bridge repairs latest"),
)

_STORED = (
    _Stored(re.compile(r"\bheadphones?\b|\bnoise[- ]cancell?ing\b"), _HEADPHONES),
    _Stored(re.compile(r"\belectric(?:ity)? bills?\b|\bsave energy\b"), _ENERGY),
    _Stored(re.compile(r"\bnews\b|\briverside bridge\b"), _NEWS),
)


def answer_for(prompt: str) -> Answer:
    lowered = prompt.lower()
    for stored in _STORED:
        if stored.triggers.search(lowered):
            return stored.answer
    return _generic(prompt)


def _generic(prompt: str) -> Answer:
    """A plausible overview of any topic, with pages whose addresses and titles are built from it."""
    about = Topic.of(prompt)
    topic, title = about.text, about.title
    # no video: ChatGPT's search results are web pages
    pages = tuple(Page(p.url, p.title, p.site, p.snippet, p.published) for p in about.pages() if p.site != "YouTube")
    markdown = f"""\
**{title}** is a broad subject; the most useful sources agree on a few core ideas and differ on the \
details.[1][2] Here is a short overview.

## Key points

- **Definition**: encyclopedias describe {topic} in terms of its main idea and where it applies.[2]
- **Background**: most accounts trace how the idea developed and who shaped it.[5]
- **In practice**: people who deal with it day to day stress practical trade-offs over theory.[3]

For more depth, start with the [encyclopedia entry]({pages[0].url}) and follow its references.[4]"""
    return Answer(markdown=markdown, pages=pages, queries=(topic, f"{topic} explained", f"{topic} overview"))
