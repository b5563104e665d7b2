"""The Gemini replica's answers: stored chat answers, a generic one for any prompt, and a Deep Research report.

Chat answers are a small markdown: `[n]` cites `sources[n - 1]`, and a run of markers (`[1][2]`) is one
chip standing for several sources; `[text](url)` is an inline link; a line `=> [title](url)` is a link
block. Some sources of each answer are cited by no chip: only the answer's "Sources" dialog lists them.
A report's `[n]` is a footnote pointing at the nth used source (engines.md §3, Deep Research).
Sites are realistic; titles, texts and paths are invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Source:
    url: str
    title: str
    site: str  # the name a chip and the dialogs show

    def payload(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "site": self.site}


@dataclass(frozen=True)
class ChatAnswer:
    markdown: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Report:
    title: str
    intro: str  # the short chat message beside the report
    markdown: str
    used: tuple[Source, ...]
    unused: tuple[Source, ...]


_COMPOST = ChatAnswer(
    markdown="""\
Home composting turns kitchen scraps and garden waste into soil in two to six months, and it cuts household \
rubbish by about a third.[1][2]

## What goes in

- **Greens**: fruit and vegetable scraps, coffee grounds and fresh grass clippings add nitrogen.[3]
- **Browns**: dry leaves, shredded cardboard and straw add carbon and keep the pile airy.[3][4]
- **Never**: meat, dairy and oily food, which smell and draw pests.[2]

## Keeping it working

Aim for about three parts browns to one part greens, keep the pile as damp as a wrung-out sponge, and turn it \
every week or two. A hot pile reaches 55 to 65 °C, which kills most weed seeds.[5] Tumblers such as the \
**FlipBin 200** make turning easy but hold less than an open bay.[6]

Your council may sell subsidised bins; the [WRAP guidance](https://wrap.org.uk/taking-action/food-drink/composting) \
lists what each area accepts.

=> [RHS guide to making compost](https://www.rhs.org.uk/soil-composts-mulches/composting)
""",
    sources=(
        Source("https://www.rhs.org.uk/soil-composts-mulches/composting", "How to make compost | RHS", "RHS"),
        Source("https://www.epa.gov/recycle/composting-home", "Composting At Home | US EPA", "US EPA"),
        Source(
            "https://extension.umn.edu/managing-soil-and-nutrients/composting-home",
            "Composting at home | UMN Extension",
            "UMN Extension",
        ),
        Source(
            "https://www.gardenersworld.com/how-to/grow-plants/how-to-make-compost/",
            "How to make compost",
            "Gardeners' World",
        ),
        Source("https://cwmi.css.cornell.edu/chemistry.htm", "Compost chemistry - Cornell Waste Management", "Cornell"),
        Source("https://www.which.co.uk/reviews/compost-bins/article/best-compost-bins", "Best compost bins", "Which?"),
        Source("https://www.theguardian.com/environment/composting", "Composting | The Guardian", "The Guardian"),
    ),
)

_GENERIC_SOURCES = (
    Source("https://en.wikipedia.org/wiki/Special:Search", "Search - Wikipedia", "Wikipedia"),
    Source("https://www.bbc.co.uk/news/science_and_environment", "Science - BBC News", "BBC"),
    Source("https://www.nature.com/news", "News | Nature", "Nature"),
    Source("https://www.reuters.com/business/", "Business news | Reuters", "Reuters"),
    Source("https://www.nytimes.com/section/technology", "Technology - The New York Times", "The New York Times"),
)

_STORED: tuple[tuple[re.Pattern[str], ChatAnswer], ...] = ((re.compile(r"compost"), _COMPOST),)

REPORT = Report(
    title="Grid batteries in 2026",
    intro="I've completed your research. Feel free to ask me follow-up questions or request changes.",
    markdown="""\
# Grid Batteries in 2026: Chemistries, Costs and Durations

Utility-scale storage additions doubled between 2023 and 2025, led by lithium iron phosphate (LFP) cells.[1] \
Sodium-ion cells began shipping in volume for stationary use in 2025.[2]

## Cycle life

Independent tests measured more than 6,000 full cycles for LFP packs at 25 °C.[3] Operators such as \
**Fluence** plan on 20-year lives with one mid-life augmentation.[1][4]

## Long-duration options

- **Iron-air**: 100-hour batteries aimed at multi-day wind lulls; the first plants are under construction.[5]
- **Flow batteries**: vanadium systems trade energy density for very long calendar life.[6]
- **Pumped hydro**: still the largest installed base worldwide.[4]

## Outlook

Costs per kilowatt-hour fell by about a fifth in 2025, and most forecasts expect four-hour LFP to remain the \
default through 2030.[1][3]
""",
    used=(
        Source(
            "https://www.iea.org/reports/batteries-and-secure-energy-transitions",
            "Batteries and Secure Energy Transitions - IEA",
            "iea.org",
        ),
        Source("https://www.catl.com/en/news/sodium-ion", "Sodium-ion battery launch - CATL", "catl.com"),
        Source(
            "https://www.nrel.gov/docs/fy25osti/lfp-cycle-life.pdf", "LFP cycle life in grid service - NREL", "nrel.gov"
        ),
        Source(
            "https://www.fluenceenergy.com/resources/storage-augmentation",
            "Planning for augmentation - Fluence",
            "fluenceenergy.com",
        ),
        Source(
            "https://formenergy.com/technology/battery-technology/",
            "Iron-air battery technology - Form Energy",
            "formenergy.com",
        ),
        Source("https://www.energy.gov/oe/flow-batteries", "Flow batteries - Department of Energy", "energy.gov"),
    ),
    unused=(
        Source(
            "https://www.reddit.com/r/energy/comments/grid_batteries", "Grid batteries thread - r/energy", "reddit.com"
        ),
        Source(
            "https://www.youtube.com/watch?v=grid-storage-explained", "Grid storage explained - YouTube", "youtube.com"
        ),
        Source("https://www.bloomberg.com/news/energy-storage", "Energy storage - Bloomberg", "bloomberg.com"),
    ),
)


def answer_for(prompt: str) -> ChatAnswer:
    lowered = prompt.lower()
    for triggers, answer in _STORED:
        if triggers.search(lowered):
            return answer
    return _generic(prompt)


def _generic(prompt: str) -> ChatAnswer:
    topic = " ".join(prompt.split())[:80].rstrip("?.! ") or "your question"
    return ChatAnswer(
        markdown=f"""\
Here is an overview of **{topic}**, drawn from reference works and recent reporting.[1][2]

## Key points

- **Background**: the topic has been covered widely, and the basic facts are well established.[1]
- **Recent developments**: coverage in the last year focused on new research and its practical uses.[3][4]
- **Open questions**: experts still disagree on costs and timelines.[4]

Reporting from [Reuters](https://www.reuters.com/business/) gives a good starting point for further reading.
""",
        sources=_GENERIC_SOURCES,
    )
