"""The store as an analyst reads it: what each table and column holds, and the common questions as SQL.

`citewatch browse` serves a SQLite store with Datasette and hands it `TABLES` as metadata and `QUERIES` as
canned queries; `citewatch db views` creates the same questions as views on PostgreSQL (`create_views`),
where there is no Datasette to serve them. Each question is written once per dialect: weeks, JSON and
sentence splitting are spelled differently. Pure data and two small functions; no Datasette import.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from citewatch.analysis.sentences import sentence_spans

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "prompts": ("A question as typed, stored once.", {"text": "the prompt", "text_sha256": "its SHA-256"}),
    "runs": (
        "One execution: a capture command, a demo, a campaign slot, a replay.",
        {
            "kind": "capture, demo, campaign, replay …",
            "label": "what the run was for (the prompt of a capture command)",
            "campaign": "the campaign's name, when a campaign file started it",
            "status": "running, ok, attention (a capture did not answer) or failed",
            "meta": "JSON: options of the run",
        },
    ),
    "captures": (
        "One attempt at one prompt on one engine: what happened and when. A capture is a *run* of the report "
        "when its status is answered.",
        {
            "run_id": "the run it belongs to",
            "prompt_id": "the prompt asked",
            "engine": "perplexity, chatgpt, gemini, google_aio or google_ai_mode",
            "attempt": "1 for the first try; retries of transient failures count up",
            "status": "answered, no_answer, blocked, captcha, login_required, consent_required, incomplete, "
            "error or running",
            "job_key": "campaign job and attempt (idempotency key)",
            "url": "the page's address when the capture ended",
            "locale": "browser locale, e.g. en-US",
            "account": "anonymous or logged_in",
            "started_at": "UTC",
            "finished_at": "UTC",
            "answer_seconds": "time from submitting the prompt to the finished answer",
            "timings": "JSON: seconds per capture step",
            "error": "why it did not answer, in one line",
            "warnings": "JSON list of capture warnings",
        },
    ),
    "artifacts": (
        "Raw bytes (DOM, screenshot, network log), zstd-compressed, stored once per distinct content.",
        {
            "sha256": "of the uncompressed bytes",
            "media_type": "text/html, image/png, application/json",
            "size": "uncompressed bytes",
        },
    ),
    "capture_artifacts": (
        "Which artifact plays which role (dom, screenshot, network, trace, page_archive) for a capture.",
        {
            "role": "dom (the rendered page), screenshot, network, trace or page_archive (MHTML for offline rendering)",
            "artifact_sha256": "the artifact",
        },
    ),
    "extractions": (
        "One reading of a capture by one extractor version; a capture may have several (replays): the newest "
        "(highest id) is the one reports use.",
        {
            "extractor_version": "engine extractor and its version",
            "status": "answered, no_answer, blocked … as the page itself says",
            "warnings": "JSON list; engine_changed:… means the page broke the engine's known structure",
            "answer_text": "the answer as displayed, in reading order",
            "data": "JSON: the whole extraction record",
        },
    ),
    "citations": (
        "An inline citation in the answer (numbered footnote, chip, inline link), in reading order.",
        {
            "position": "1 for the first citation of the answer",
            "kind": "footnote, chip or inline link",
            "label": "what the marker shows (a number, a site name)",
            "canonical_url": "the URL with tracking parameters and fragments removed",
            "domain": "registrable domain (e.g. bbc.co.uk)",
            "block_index": "which answer block it sits in",
            "char_start": "offset in answer_text where it sits",
            "visible": "whether it was displayed (1) or hidden (0) in the page",
        },
    ),
    "sources": (
        "A source as the engine listed it (sources panel, cards), in display order, cited or not.",
        {
            "kind": "listed, card, place, carousel, product or video",
            "canonical_url": "the URL with tracking parameters and fragments removed",
            "domain": "registrable domain",
            "cited": "whether the answer cites it inline",
            "visible": "whether it was displayed",
        },
    ),
    "run_lists": (
        "What a report reads of an extraction: cited URLs and domains, sources and organic results, each a list "
        "packed into one text.",
        {},
    ),
    "mentions": (
        "A name the engine highlighted in the answer (bold entity, list item title).",
        {"list_rank": "its rank when it heads an item of a list"},
    ),
    "search_queries": ("A fan-out query the engine ran, where the page exposes it.", {}),
    "organic_results": ("A classic result on the same results page as an AI Overview.", {}),
    "alembic_version": ("The schema revision (migrations).", {}),
}


@dataclass(frozen=True, slots=True)
class Question:
    """One common question: its title and description, as SQL for SQLite (with parameters) and PostgreSQL
    (a view, so without them)."""

    name: str
    title: str
    description: str
    sqlite: str
    postgresql: str


# The newest extraction of a capture: what reports read.
_NEWEST_SQL = "(SELECT max(x.id) FROM extractions x WHERE x.capture_id = c.id)"

_TOP_DOMAINS = """
WITH answered AS (
  SELECT c.id AS capture_id, c.engine, {week} AS week_of, {newest} AS extraction_id
  FROM captures c WHERE c.status = 'answered'
),
weekly AS (SELECT engine, week_of, count(*) AS runs FROM answered GROUP BY engine, week_of),
cited AS (
  SELECT a.engine, a.week_of, ci.domain, count(DISTINCT a.capture_id) AS runs_citing
  FROM answered a JOIN citations ci ON ci.extraction_id = a.extraction_id
  WHERE ci.domain IS NOT NULL
  GROUP BY a.engine, a.week_of, ci.domain
),
ranked AS (
  SELECT cited.engine, cited.week_of, cited.domain, cited.runs_citing, weekly.runs,
         ROW_NUMBER() OVER (PARTITION BY cited.engine, cited.week_of ORDER BY cited.runs_citing DESC, cited.domain)
           AS rank
  FROM cited JOIN weekly ON weekly.engine = cited.engine AND weekly.week_of = cited.week_of
)
SELECT week_of, engine, rank, domain, runs_citing, runs, round({rate}, 3) AS citation_rate
FROM ranked WHERE rank <= 10
ORDER BY week_of DESC, engine, rank
"""

_ATTENTION = """
SELECT c.id AS capture, c.started_at, c.engine, p.text AS prompt, c.status, c.attempt, c.error,
       e.warnings AS extraction_warnings{links}
FROM captures c
JOIN prompts p ON p.id = c.prompt_id
LEFT JOIN extractions e ON e.id = {newest}
WHERE c.status <> 'answered' OR CAST(e.warnings AS TEXT) LIKE '%engine_changed%'
ORDER BY c.started_at DESC
"""

_LINK = (
    "CASE WHEN EXISTS (SELECT 1 FROM capture_artifacts a WHERE a.capture_id = c.id AND a.role = '{role}') "
    "THEN '/-/citewatch/captures/' || c.id || '/{name}' END AS {name}"
)
LINKS = ",\n       " + ",\n       ".join(
    (_LINK.format(role="screenshot", name="screenshot"), _LINK.format(role="dom", name="snapshot"))
)

QUESTIONS = (
    Question(
        name="top_cited_domains_weekly",
        title="Top cited domains per engine and week",
        description="The 10 domains cited by the most answered runs of each engine, per week (starting Monday, "
        "UTC), with the share of that week's runs citing them. Inline citations of each capture's newest "
        "extraction.",
        sqlite=_TOP_DOMAINS.format(
            week="date(c.started_at, '-6 days', 'weekday 1')", newest=_NEWEST_SQL, rate="1.0 * runs_citing / runs"
        ),
        postgresql=_TOP_DOMAINS.format(
            week="date_trunc('week', c.started_at AT TIME ZONE 'UTC')::date",
            newest=_NEWEST_SQL,
            rate="runs_citing::numeric / runs",
        ),
    ),
    Question(
        name="captures_needing_attention",
        title="Captures needing attention",
        description="Every capture that did not answer (blocked, captcha, login or consent wall, error, no "
        "answer, still running) or whose newest extraction says the engine changed its page, newest first, "
        "with links to its screenshot and to its stored page.",
        sqlite=_ATTENTION.format(links=LINKS, newest=_NEWEST_SQL),
        postgresql=_ATTENTION.format(links="", newest=_NEWEST_SQL),
    ),
    Question(
        name="brand_mentions",
        title="Mentions of a brand, with their sentences",
        description="Answered captures whose answer names :brand (any case, as a substring: add a space or use "
        "a longer name to be stricter), with every sentence that names it. On PostgreSQL the view "
        "citewatch_answer_sentences holds one row per sentence: filter it with WHERE sentence ILIKE '%brand%'.",
        sqlite=f"""
SELECT c.id AS capture, c.started_at, c.engine, p.text AS prompt,
       citewatch_sentences(e.answer_text, :brand) AS sentences
FROM captures c
JOIN prompts p ON p.id = c.prompt_id
JOIN extractions e ON e.id = {_NEWEST_SQL}
WHERE c.status = 'answered' AND :brand <> '' AND instr(lower(e.answer_text), lower(:brand)) > 0
ORDER BY c.started_at DESC
""",
        # A view takes no parameter: one row per sentence of every answer, to filter by brand.
        postgresql=f"""
SELECT c.id AS capture, c.started_at, c.engine, p.text AS prompt, s.sentence_index, s.sentence
FROM captures c
JOIN prompts p ON p.id = c.prompt_id
JOIN extractions e ON e.id = {_NEWEST_SQL}
CROSS JOIN LATERAL regexp_split_to_table(e.answer_text, '(?<=[.!?])\\s+') WITH ORDINALITY AS s(sentence, sentence_index)
WHERE c.status = 'answered' AND s.sentence <> ''
""",
    ),
)

# The PostgreSQL view of each question (brand_mentions takes no parameter there: it is every sentence).
VIEW_NAMES = {
    "top_cited_domains_weekly": "citewatch_top_cited_domains_weekly",
    "captures_needing_attention": "citewatch_captures_needing_attention",
    "brand_mentions": "citewatch_answer_sentences",
}


def sentences_naming(answer: str | None, term: str | None) -> str | None:
    """Every sentence of `answer` that contains `term` (any case), one a line; None when none does.

    Registered as the SQL function `citewatch_sentences` in `citewatch browse`; sentences as the GEO
    metrics split them (`analysis.sentences`), so abbreviations do not end one."""
    if not answer or not term:
        return None
    needle = term.casefold()
    found = [answer[start:end] for start, end in sentence_spans(answer) if needle in answer[start:end].casefold()]
    return "\n".join(found) or None


def create_views(engine: Engine) -> list[str]:
    """Create (or replace) the PostgreSQL view of every question; returns their names."""
    if engine.dialect.name != "postgresql":
        raise ValueError("views are for PostgreSQL stores; a SQLite store is browsed with `citewatch browse`")
    with engine.begin() as connection:
        for question in QUESTIONS:
            name = VIEW_NAMES[question.name]
            # DROP first: CREATE OR REPLACE cannot change a view's columns once a later version changes them
            # text() escapes the % of LIKE patterns for the driver; the SQL holds no bind parameter
            connection.execute(text(f"DROP VIEW IF EXISTS {name}"))
            connection.execute(text(f"CREATE VIEW {name} AS {question.postgresql}"))
            # COMMENT takes a literal, not a parameter; the title is ours and holds no quote
            connection.execute(text(f"COMMENT ON VIEW {name} IS 'citewatch - {question.title}'"))
    return [VIEW_NAMES[q.name] for q in QUESTIONS]
