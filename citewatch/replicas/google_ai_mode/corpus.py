"""The replica's answers: a few stored prompts, and a generic answer built from any other prompt.

An answer is written as light markup: blocks separated by blank lines, `## ` headings, `- ` list items,
`**bold**` names, `*emphasis*`, and citation markers glued to the word before them: `[2]` cites
`sources[1]`, `[1,3]` is one button standing for two sources. A marker closing a list item is the list's
button (drawn after the item, as AI Mode does). Sources are realistic sites with invented titles and
snippets; some are never cited, as on the real page, and one answer lists places
(`google.com/viewer/place`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PLACE_PREFIX = "https://www.google.com/viewer/place?mid="


@dataclass(frozen=True)
class Source:
    src_id: str  # `data-src-id`, the key citation islands point at
    url: str
    title: str
    site: str
    snippet: str
    date: str | None = None  # shown before the snippet ("Mar 3, 2025 — …")

    @property
    def place(self) -> bool:
        return self.url.startswith(PLACE_PREFIX)


@dataclass(frozen=True)
class Answer:
    markup: str
    sources: tuple[Source, ...]
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class _Stored:
    triggers: re.Pattern[str]  # matched against the lower-cased prompt
    answer: Answer


_SHOES = Answer(
    markup="""\
For a first pair of trail running shoes, pick grip and a secure fit over low weight; most beginners do well \
with a moderately cushioned shoe and a 4–8 mm drop.[1]

## Shoes worth trying first

Three models come up again and again in beginner guides and forum threads:[2,3]

- **Ridgeline 3**: a stable, forgiving shoe whose 5 mm lugs handle mud and gravel.
- **Cloudpath Trail**: softer and lighter, better on dry, packed trails.
- **Granite Pro**: firm and protective, with a rock plate for rocky routes.[2,5,6]

## How to choose[4]

Try shoes on in the afternoon, leave a thumb's width at the toe, and use *heel-lock lacing* if your heel \
slips.[4]""",
    sources=(
        Source(
            "4",
            "https://www.trailrunnerweekly.com/beginner-shoe-guide",
            "Beginner Trail Shoe Guide 2025",
            "Trail Runner Weekly",
            "Grip, cushioning and fit matter more than weight for a first pair.",
            "Mar 3, 2025",
        ),
        Source(
            "9",
            "https://shoelab-reviews.net/tests/ridgeline-3",
            "Ridgeline 3 lab test",
            "Shoelab Reviews",
            "We measured stack height, drop and outsole wear over 300 km of mixed trails.",
        ),
        Source(
            "12",
            "https://forum.mudandmiles.org/t/first-trail-shoes/8812",
            "What were your first trail shoes?",
            "Mud and Miles",
            "Most replies recommend a forgiving shoe with a wide toe box for the first season.",
            "Jan 12, 2026",
        ),
        Source(
            "15",
            "https://www.peakoutfitters.co.uk/blog/how-to-fit-trail-shoes",
            "How to fit trail shoes",
            "Peak Outfitters",
            "Shop in the afternoon, when feet are at their largest, and test on a ramp.",
        ),
        Source(
            "18",
            "https://www.rei.com/learn/expert-advice/trail-running-shoes.html",
            "How to choose trail-running shoes",
            "REI",
            "Lug depth, rock plates and drop explained for new trail runners.",
            "Apr 18, 2025",
        ),
        Source(
            "21",
            "https://www.runnersworld.com/gear/a20865731/best-trail-running-shoes/",
            "The best trail running shoes",
            "Runner's World",
            "Our testers ran hundreds of miles to pick shoes for every kind of trail.",
            "Oct 2, 2025",
        ),
        Source(
            "24",
            "https://www.gearjournal-outdoors.com/reviews/cloudpath-trail",
            "Cloudpath Trail review",
            "Gear Journal",
            "A soft, light shoe that suits dry and packed trails better than mud.",
            "Nov 28, 2025",
        ),
    ),
    suggestions=("Are trail shoes good on roads?", "How long do trail shoes last?"),
)

_COFFEE = Answer(
    markup="""\
Around the old harbour there are a few good cafés within a short walk of each other.[4]

- **Kawiarnia Przystań**: a small waterfront café with a terrace, known for its cheesecake.
- **Palarnia Mewa**: a roastery serving filter coffee from its own beans.[1,2]

Most of them open at 8:00 and get busy on weekend mornings.[3]""",
    sources=(
        Source(
            "22",
            f"{PLACE_PREFIX}/g/11qx7h2k01",
            "Kawiarnia Przystań",
            "Google",
            "Small café on the waterfront with a terrace and homemade cakes.",
        ),
        Source(
            "27",
            f"{PLACE_PREFIX}/g/1tq9z8w3",
            "Palarnia Mewa",
            "Google",
            "Speciality roastery with filter coffee and a few seats by the window.",
        ),
        Source(
            "31",
            "https://www.tripadvisor.com/Restaurants-g274725-c8-Gdansk_Pomerania_Province.html",
            "The 10 best cafés in Gdańsk",
            "Tripadvisor",
            "Traveller favourites near the Long Bridge and the Motława.",
        ),
        Source(
            "2",
            "https://www.baltic-city-guide.pl/en/gdansk/coffee",
            "Where to drink coffee in Gdańsk",
            "Baltic City Guide",
            "Our pick of cafés along the Motława, from roasteries to cake shops.",
            "Oct 14, 2025",
        ),
    ),
    suggestions=("Which of them have vegan cakes?",),
)

_STORED = (
    _Stored(re.compile(r"trail|running shoe"), _SHOES),
    _Stored(re.compile(r"coffee|caf[eé]|gda[nń]sk"), _COFFEE),
)

_GENERIC_SITES = (
    ("en.wikipedia.org/wiki/", "Wikipedia"),
    ("www.britannica.com/topic/", "Britannica"),
    ("www.reddit.com/r/explainlikeimfive/comments/1x2y3z/", "Reddit"),
    ("www.howstuffworks.com/", "HowStuffWorks"),
    ("www.nytimes.com/wirecutter/guides/", "Wirecutter"),
)


def answer_for(query: str) -> Answer:
    lowered = query.lower()
    for stored in _STORED:
        if stored.triggers.search(lowered):
            return stored.answer
    return _generic(query)


def _generic(query: str) -> Answer:
    """Any other prompt: a short answer about it, citing sites whose URLs are derived from the prompt."""
    topic = query.strip().rstrip("?.!") or "this"
    slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:60] or "topic"
    digest = hashlib.sha256(query.encode()).hexdigest()
    sources = tuple(
        Source(
            str(3 + 4 * index),
            f"https://{host}{slug.replace('-', '_') if 'wikipedia' in host else slug}",
            f"{topic[:1].upper()}{topic[1:]} – {site}",
            site,
            f"What {site} readers should know about {topic}.",
            f"Jan {1 + int(digest[index], 16)}, 2026" if index % 2 else None,
        )
        for index, (host, site) in enumerate(_GENERIC_SITES)
    )
    markup = f"""\
Here is an overview of **{topic}**, drawn from several sources.[1]

## Key points

- **Background**: how the question is usually framed, and why it comes up.[2]
- **What experts say**: the points most sources agree on.
- **Open questions**: where the sources disagree.[3,4]

Compare a few sources before deciding, as details change over time.[1,5]"""
    return Answer(markup=markup, sources=sources, suggestions=(f"Tell me more about {topic}",))
