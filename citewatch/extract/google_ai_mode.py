"""Google AI Mode (`google.com/search?udm=50`): the answer, its citation buttons, the source cards.

Selectors follow engines.md §5.2 and the real saved page (shared/captures/google_ai_mode, Polish UI), so
nothing here matches visible text: the UI is localised. A follow-up question adds a turn
(`div[data-scope-id=turn]`); each turn is a separate answer, so the last one is read and the page says how
many there were. The answer component itself (blocks, citation buttons, their comment islands, source
cards) is read by `_aimc`, which Google AI Overviews share (engines.md §4.3).
"""

from __future__ import annotations

from citewatch.extract import _aimc, contracts
from citewatch.extract._google import google_wall
from citewatch.extract._html import (
    Anchor,
    Element,
    inline_links,
    parse,
    text_of,
    truncation_warning,
)
from citewatch.models import Extraction, ExtractionStatus, Snapshot
from citewatch.selectors import Selectors

EXTRACTOR_VERSION = "google_ai_mode/2"


# engines.md §5.2: every selector is data in citewatch/selectors/google_ai_mode.toml (the answer component's,
# shared with AI Overviews, in _google.toml), which users can override.
SEL = Selectors("google_ai_mode")


def extract(snapshot: Snapshot) -> Extraction:
    tree = parse(snapshot.html)
    result = Extraction(engine="google_ai_mode", extractor_version=EXTRACTOR_VERSION, status=ExtractionStatus.no_answer)
    truncated = truncation_warning(snapshot.html)
    if truncated:
        result.warnings.append(truncated)
    turns = SEL.xpath("turns")(tree)
    turn = turns[-1] if turns else tree
    container = _aimc.answer_container(turn)
    if container is None:
        result.status = _no_answer_status(tree, snapshot.url)
        return result
    walked = _aimc.walk(container)
    alerts = [text_of(alert) for alert in SEL.xpath("engine_error")(container)]
    if not walked.answer.text.strip() and not walked.citations:
        # Walls replace the whole page, so they are looked for only where there is no answer.
        result.answer = walked.answer
        result.status = ExtractionStatus.error if alerts else _no_answer_status(tree, snapshot.url)
        result.warnings += [f"the engine reported an error: {alert}" for alert in alerts]
        return result
    result.answer = walked.answer
    result.status = ExtractionStatus.error if alerts else ExtractionStatus.answered
    result.warnings += [f"the engine stopped the answer with an error: {alert}" for alert in alerts]
    if len(turns) > 1:
        result.warnings.append(f"the page holds {len(turns)} turns; only the last one was read")
    if SEL.xpath("consent_buttons")(tree):
        result.warnings.append("a consent dialog was open over the answer")
    rhs = _aimc.rhs_column(turn)
    cards = _aimc.cards(rhs)
    by_id = {card_id: source for card_id, source in cards if card_id}
    result.citations = _aimc.citations(walked.citations, _aimc.islands(turn), by_id, result.warnings)
    result.citations += inline_links(walked.links, _aimc.link_target, start=len(result.citations) + 1)
    videos = _aimc.videos(container)
    result.sources = _aimc.merge_sources([*(card for _, card in cards), *videos], result.citations)
    result.mentions = _aimc.mentions(walked.mentions, result.answer.blocks)
    result.related_questions = [q for q in (text_of(b) for b in SEL.xpath("suggestions")(container)) if q]
    result.warnings += _contracts(result, rhs, walked.citations)
    return result


def _no_answer_status(tree: Element, url: str | None) -> ExtractionStatus:
    wall = google_wall(tree, url)
    if wall is not None:
        return wall
    return ExtractionStatus.consent_required if SEL.xpath("consent_buttons")(tree) else ExtractionStatus.no_answer


def _contracts(result: Extraction, rhs: Element | None, buttons: list[Anchor]) -> list[str]:
    warnings: list[str] = []
    displayed = _aimc.displayed_sources(result, rhs, warnings)
    warnings += _aimc.unresolved_contract(result, buttons)
    return warnings + contracts.check(result, displayed_sources=displayed, expect_citations=True)
