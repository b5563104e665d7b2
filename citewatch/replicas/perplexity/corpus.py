"""The replica's answers: a few stored prompts, and a generic answer built from any other prompt.

Answers are the markdown Perplexity streams: `[n]` markers cite `sources[n - 1]`; a run of markers
(`[1][6]`) is one "+N" chip in the grouped scenario and only its first source otherwise. Sources are
realistic sites with invented titles and snippets. Some sources of each answer are never cited, as on
the real site, so the varying scenario (which reorders them) changes which ones are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from citewatch.extract._urls import registrable_domain
from citewatch.replicas._topics import Topic


@dataclass(frozen=True)
class Source:
    url: str
    title: str
    site: str  # the name the Links panel shows
    snippet: str

    @property
    def label(self) -> str:
        """The short name on a citation chip (`wikipedia`, `nytimes`): the registrable domain's first label."""
        return (registrable_domain(self.url) or self.url).split(".")[0]

    def web_result(self) -> dict[str, Any]:
        """The source as the answer stream lists it (engines.md §1.3 `web_results`)."""
        return {
            "name": self.title,
            "url": self.url,
            "snippet": self.snippet,
            "meta_data": {"client": self.site, "citation_domain_name": self.label},
        }


@dataclass(frozen=True)
class Answer:
    markdown: str
    sources: tuple[Source, ...]
    related: tuple[str, ...]


@dataclass(frozen=True)
class _Stored:
    triggers: re.Pattern[str]  # matched against the lower-cased prompt
    answer: Answer


_CRM = Answer(
    markdown="""\
For most SaaS startups the best CRM is one that is cheap to start with, takes in product data, and will not \
need replacing at the first funding round.[1][2][6] **HubSpot**, **Pipedrive** and **Attio** come up most often \
in founder discussions, with **Salesforce** usually adopted once a sales team grows.[3]

## Top picks

1. **HubSpot CRM** – a generous free tier and startup discounts on the paid hubs; strong when marketing and \
sales share one tool.[1][6]
2. **Pipedrive** – a pipeline-first tool a sales-led team can set up in an afternoon.[4]
3. **Attio** – a flexible data model that syncs email, calendar and product usage; popular with product-led \
SaaS.[5][7]
4. **Salesforce Starter** – the long-term standard, but heavier to administer than the others.[6]
5. **Zoho CRM** – a low price per seat and broad features for budget-conscious teams.[2]

## Comparison

| CRM | Free plan | Best for | Entry price |
|---|---|---|---|
| HubSpot | Yes | Marketing plus sales | about $20 per seat a month |
| Pipedrive | Trial only | Sales-led pipelines | about $15 per seat a month |
| Attio | Yes | Product-led SaaS | about $30 per seat a month |
| Salesforce Starter | Trial only | Teams planning to scale | about $25 per seat a month |

## How to choose

- **Stage**: pre-seed teams rarely need more than a shared pipeline and email sync.[3]
- **Data model**: if accounts and product usage matter, pick a CRM that imports product events.[5]
- **Switching cost**: moving CRMs later is expensive, so check export options early.[4][8]

For current user ratings, see the [G2 CRM category](https://www.g2.com/categories/crm).""",
    sources=(
        Source(
            "https://www.hubspot.com/startups",
            "HubSpot for Startups: discounted CRM software for early-stage companies",
            "HubSpot",
            "Eligible startups get reduced pricing on the sales and marketing hubs, on top of the free CRM.",
        ),
        Source(
            "https://www.g2.com/categories/crm",
            "Best CRM Software: user reviews and grid ratings",
            "G2",
            "Compare CRM tools by satisfaction and market presence, based on verified user reviews.",
        ),
        Source(
            "https://www.reddit.com/r/SaaS/comments/1k2x9qa/which_crm_are_you_using_at_seed_stage/",
            "Which CRM are you using at seed stage? : r/SaaS",
            "Reddit",
            "We tried three CRMs in two years. Honestly a simple pipeline tool was enough until we hired sales.",
        ),
        Source(
            "https://www.pipedrive.com/en/blog/crm-for-startups",
            "CRM for startups: what to look for before you scale",
            "Pipedrive",
            "A startup CRM should be quick to adopt, easy to customise and priced for a small team.",
        ),
        Source(
            "https://attio.com/blog/crm-data-model",
            "Why the data model is the most important part of your CRM",
            "Attio",
            "Product-led companies need objects beyond contacts and deals: workspaces, users, usage.",
        ),
        Source(
            "https://www.forbes.com/advisor/business/software/best-crm-small-business/",
            "Best CRM Software for Small Business, Ranked",
            "Forbes",
            "Our experts compared pricing, ease of use and integrations across more than twenty CRMs.",
        ),
        Source(
            "https://techcrunch.com/2025/11/04/crm-startups-ai-agents/",
            "Startups are rebuilding the CRM around AI agents",
            "TechCrunch",
            "A new wave of CRM companies is betting that records should update themselves.",
        ),
        Source(
            "https://zapier.com/blog/best-crm-app/",
            "The best CRM software for growing teams",
            "Zapier",
            "We tested dozens of CRMs; here are the ones worth a look and what each does best.",
        ),
    ),
    related=(
        "Is HubSpot free CRM enough for a startup?",
        "HubSpot vs Pipedrive for a small sales team",
        "When should a startup move to Salesforce?",
        "What CRM do product-led SaaS companies use?",
    ),
)

_HEAT_PUMPS = Answer(
    markdown="""\
A heat pump moves heat instead of making it: it collects warmth from the outside air, the ground or water and \
pumps it indoors, using electricity only to drive the cycle.[1][2] Because it moves more energy than it uses, \
a typical unit delivers three to four units of heat per unit of electricity.[1][6]

## The refrigeration cycle

1. **Evaporation** – a cold refrigerant absorbs heat from outside air, even below freezing.[2]
2. **Compression** – the compressor squeezes the vapour, which raises its temperature.[3]
3. **Condensation** – the hot refrigerant gives its heat to the home's air or water circuit.[2][5]
4. **Expansion** – a valve drops the pressure and the cycle starts again.[2]

In summer the same **reversing valve** runs the cycle backwards, so most heat pumps also cool.[5]

## Main types

| Type | Heat comes from | Typical efficiency (COP) |
|---|---|---|
| Air-source | Outside air | 2.5 to 4 |
| Ground-source | Pipes buried in the ground | 3.5 to 5 |
| Water-source | A lake, river or well | 3 to 5 |

### In cold weather

Modern air-source units keep working well below freezing, though their efficiency falls as the temperature \
drops.[4][7] The [Energy Saver guide](https://www.energy.gov/energysaver/heat-pump-systems) explains sizing and \
installation.""",
    sources=(
        Source(
            "https://www.energy.gov/energysaver/heat-pump-systems",
            "Heat pump systems: how they work and what they cost",
            "Energy.gov",
            "Heat pumps offer an energy-efficient alternative to furnaces and air conditioners in all climates.",
        ),
        Source(
            "https://en.wikipedia.org/wiki/Heat_pump",
            "Heat pump - Wikipedia",
            "Wikipedia",
            "A heat pump is a device that transfers thermal energy from a colder space to a warmer one.",
        ),
        Source(
            "https://www.bbc.co.uk/news/articles/c9x1heatpump",
            "How do heat pumps work, and are they worth it?",
            "BBC",
            "Heat pumps are central to plans for cutting emissions from homes. Here is what you need to know.",
        ),
        Source(
            "https://www.carbonbrief.org/qa-heat-pumps-in-cold-climates/",
            "Q&A: what the evidence says about heat pumps in cold climates",
            "Carbon Brief",
            "Field trials in Nordic countries show heat pumps keep homes warm in long spells of frost.",
        ),
        Source(
            "https://www.nytimes.com/wirecutter/guides/heat-pump-guide/",
            "The beginner's guide to heat pumps",
            "Wirecutter",
            "What to ask an installer, how to compare quotes and which rebates you may qualify for.",
        ),
        Source(
            "https://www.iea.org/energy-system/buildings/heat-pumps",
            "Heat pumps: tracking progress in buildings",
            "IEA",
            "Heat pump sales have grown quickly, led by Europe, the United States and China.",
        ),
        Source(
            "https://www.theguardian.com/environment/2025/feb/10/heat-pump-myths-checked",
            "Ten myths about heat pumps, checked",
            "The Guardian",
            "Are they noisy, useless in old houses, or only for the well-off? We looked at the data.",
        ),
    ),
    related=(
        "How much does it cost to install a heat pump?",
        "Do heat pumps work in very cold climates?",
        "Air-source vs ground-source heat pump",
        "Can a heat pump replace a gas boiler?",
    ),
)

_RUNNING_SHOES = Answer(
    markdown="""\
The best first running shoe is a comfortable, well-cushioned daily trainer that fits your foot; most reviewers \
say comfort matters more than any particular technology.[1][2] These models are the ones most often \
recommended to new runners:[3]

- **Brooks Ghost** – a soft, stable all-rounder that suits most foot types.[1][7]
- **Hoka Clifton** – a very cushioned, light shoe for easy miles.[2]
- **ASICS Novablast** – bouncy foam that makes short runs feel fun.[6]
- **Nike Pegasus** – a durable classic that works for running and the gym.[5]
- **Saucony Ride** – balanced cushioning at a lower price than most.[2][6]

## Quick comparison

| Shoe | Cushioning | Heel-to-toe drop | Good for |
|---|---|---|---|
| Brooks Ghost | Medium-soft | 12 mm | Everyday runs |
| Hoka Clifton | Max | 5 mm | Easy, longer runs |
| ASICS Novablast | High, bouncy | 8 mm | Fun, faster runs |
| Nike Pegasus | Medium | 10 mm | Versatility |

## Buying tips

- **Get fitted**: try shoes late in the day, with the socks you run in, and leave a thumb's width at the toe.[4]
- **Rotate later**: one good pair is enough until you run more than three times a week.[3][8]

A [shoe-fitting guide from REI](https://www.rei.com/learn/expert-advice/running-shoe.html) walks through sizing \
step by step.""",
    sources=(
        Source(
            "https://www.runnersworld.com/gear/best-running-shoes-for-beginners/",
            "The Best Running Shoes for Beginners, Tested by Our Editors",
            "Runner's World",
            "New runners need comfort and forgiving cushioning; these pairs did best in our wear tests.",
        ),
        Source(
            "https://runrepeat.com/guides/best-running-shoes-for-beginners",
            "Best running shoes for beginners: lab-tested picks",
            "RunRepeat",
            "We cut every shoe in half and measured stack, drop and foam softness so you do not have to.",
        ),
        Source(
            "https://www.reddit.com/r/running/comments/1h8q2zt/first_pair_of_real_running_shoes/",
            "First pair of real running shoes – what did you buy? : r/running",
            "Reddit",
            "Went to a running store, tried six pairs, ended up with the one that felt like nothing on my feet.",
        ),
        Source(
            "https://www.rei.com/learn/expert-advice/running-shoe.html",
            "How to choose running shoes",
            "REI",
            "Fit is the most important factor: length, width, and how the shoe feels on a short test run.",
        ),
        Source(
            "https://www.nytimes.com/wirecutter/reviews/best-running-shoes/",
            "The best running shoes for every kind of runner",
            "Wirecutter",
            "After hundreds of test miles, these are the trainers we would buy with our own money.",
        ),
        Source(
            "https://www.outdoorgearlab.com/topics/shoes-and-boots/best-running-shoes",
            "Best running shoes: side-by-side testing",
            "OutdoorGearLab",
            "We ran road loops, tracks and trails in each pair and scored comfort, stability and value.",
        ),
        Source(
            "https://www.brooksrunning.com/en_us/ghost/",
            "Ghost: the smooth everyday running shoe",
            "Brooks Running",
            "Soft cushioning and smooth transitions for daily miles, in regular and wide fits.",
        ),
        Source(
            "https://www.healthline.com/health/fitness/running-shoes-for-beginners",
            "Running shoes for beginners: how to choose and when to replace",
            "Healthline",
            "Most running shoes last between 300 and 500 miles, depending on your weight and surface.",
        ),
    ),
    related=(
        "How often should I replace running shoes?",
        "Brooks Ghost vs Hoka Clifton for beginners",
        "Do I need a gait analysis before buying running shoes?",
        "Best running shoes for flat feet",
    ),
)

_RAG = Answer(
    markdown="""\
**Retrieval-augmented generation** (RAG) lets a language model answer from documents it was never trained on: \
the system first retrieves relevant passages, then gives them to the model together with the question.[1][2]

## How it works

1. **Indexing** – documents are split into chunks and embedded as vectors.[5]
2. **Retrieval** – the question is embedded too, and the nearest chunks are fetched.[4][7]
3. **Generation** – the model writes an answer grounded in those chunks, ideally citing them.[1]

```python
def answer(question, index, llm):
    passages = index.search(question, top_k=4)
    context = "\\n\\n".join(p.text for p in passages)
    return llm.complete(f"Answer from the context only.\\n{context}\\n\\nQ: {question}")
```

## RAG or fine-tuning?

| | RAG | Fine-tuning |
|---|---|---|
| Fresh data | Yes, update the index | Needs retraining |
| Cites sources | Yes | No |
| Changes style | Little | A lot |

RAG is usually the first choice when answers must stay current and traceable.[2][4] \
[LangChain's tutorial](https://python.langchain.com/docs/tutorials/rag/) builds a small example end to end.""",
    sources=(
        Source(
            "https://en.wikipedia.org/wiki/Retrieval-augmented_generation",
            "Retrieval-augmented generation - Wikipedia",
            "Wikipedia",
            "RAG is a technique that lets language models retrieve and incorporate new information.",
        ),
        Source(
            "https://aws.amazon.com/what-is/retrieval-augmented-generation/",
            "What is RAG? Retrieval-augmented generation explained",
            "AWS",
            "RAG optimises the output of a language model so it references an authoritative knowledge base.",
        ),
        Source(
            "https://www.ibm.com/think/topics/retrieval-augmented-generation",
            "What is retrieval-augmented generation?",
            "IBM",
            "RAG connects a model to external knowledge so answers can be checked and kept current.",
        ),
        Source(
            "https://blogs.nvidia.com/blog/what-is-retrieval-augmented-generation/",
            "What is retrieval-augmented generation, and why does it matter?",
            "NVIDIA Blog",
            "Like a court clerk fetching precedents, retrieval gives the model facts to work from.",
        ),
        Source(
            "https://python.langchain.com/docs/tutorials/rag/",
            "Build a retrieval-augmented generation app",
            "LangChain",
            "This tutorial indexes a web page, retrieves relevant splits and generates an answer.",
        ),
        Source(
            "https://www.pinecone.io/learn/retrieval-augmented-generation/",
            "Retrieval-augmented generation: a practical guide",
            "Pinecone",
            "Chunking, embedding models and re-ranking decide most of the quality of a RAG system.",
        ),
        Source(
            "https://arxiv.org/abs/2312.10997",
            "A survey of retrieval-augmented generation for large language models",
            "arXiv",
            "We review naive, advanced and modular RAG and the benchmarks used to evaluate them.",
        ),
    ),
    related=(
        "What is the difference between RAG and fine-tuning?",
        "Which vector database is best for RAG?",
        "How do you evaluate a RAG system?",
        "What chunk size should I use for RAG?",
    ),
)

_STORED = (
    _Stored(re.compile(r"\bcrms?\b"), _CRM),
    _Stored(re.compile(r"\bheat pumps?\b"), _HEAT_PUMPS),
    _Stored(re.compile(r"\brunning shoes?\b"), _RUNNING_SHOES),
    _Stored(re.compile(r"\bretrieval[- ]augmented\b|\brag\b"), _RAG),
)


def answer_for(prompt: str) -> Answer:
    lowered = prompt.lower()
    for stored in _STORED:
        if stored.triggers.search(lowered):
            return stored.answer
    return _generic(prompt)


def _generic(prompt: str) -> Answer:
    """A plausible overview of any topic, with sources whose addresses and titles are built from it."""
    about = Topic.of(prompt)
    topic, title = about.text, about.title
    sources = tuple(Source(page.url, page.title, page.site, page.snippet) for page in about.pages())
    markdown = f"""\
**{title}** is a broad subject; the most useful sources agree on a few core ideas and differ on the \
details.[1][2] Here is a short overview.

## Key points

- **Definition**: encyclopedias describe {topic} in terms of its main idea and where it applies.[1][2][5]
- **Background**: most accounts trace how the idea developed and who shaped it.[5]
- **In practice**: people who deal with it day to day stress practical trade-offs over theory.[3][6]

## Where to look next

| Source type | Good for |
|---|---|
| Encyclopedias | A neutral first overview |
| News and features | Recent developments |
| Forums and videos | First-hand experience |

For more depth, start with the [encyclopedia entry]({sources[0].url}) and follow its references.[4]"""
    related = (
        f"What is the history of {topic}?",
        f"What are common misconceptions about {topic}?",
        f"Best books or courses on {topic}",
        f"How is {topic} used in practice?",
    )
    return Answer(markdown=markdown, sources=sources, related=related)
