"""The current AI Overview layout (Nov 2025 on), after engines.md §4.3 and the real saved page
(shared/captures/google_aio/…new_layout…): the overview is the AI Mode answer component inside the old module.

What `/async/folsrch` returns into the module's body for this layout: `div[data-subtree=aimc]` with its
answer column (`div[data-container-id=main-col]`, drawn by the AI Mode replica's `answer_html`: blocks,
citation buttons `button[data-icl-uuid]` and their `Sv6Kpe` islands) and its right column
(`div[data-container-id=rhs-col]`: the "Show all related links" dialog `div[role=dialog]`, hidden until
opened, then the preview cards `ul.EJw9bc` with "Show all" `div.BjvG9b`); beside it the old source list
`li.LLtSOc a.KEVENd` in one `<ul>` per entry, hidden (`div[jsname=v1Xhtd]`), as on the en-ES page; then
the footer. Lists are drawn as `lists` says: "hidden" (the en-ES page), "none" (pages with cards only,
such as a Spanish one) or "split" (a collapsed `<ul>` with "Show all", and a second `<ul>` it reveals).
Change one of them here and the scraper and the extractor must change too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from citewatch.replicas.google_ai_mode import markup as aim
from citewatch.replicas.google_ai_mode.corpus import Source as CardSource
from citewatch.replicas.google_aio.corpus import Search, Source
from citewatch.replicas.google_aio.markup import BESIDE, esc, labels, source_item

Lists = Literal["hidden", "none", "split"]
PREVIEW_CARDS = 3  # cards beside the answer; the dialog holds them all
MORE_LIST_ID = "cw-more-sources"  # the second `<ul>` of a split list, revealed by "Show all"


def card_sources(sources: Sequence[Source]) -> tuple[CardSource, ...]:
    """The overview's sources as AI Mode cards; source ids count from 2, as on the real page."""
    return tuple(
        CardSource(src_id=str(index + 2), url=s.url, title=s.title, site=s.site, snippet=s.snippet, date=s.date)
        for index, s in enumerate(sources)
    )


def body(
    search: Search, *, key: str, hl: str, sources: Sequence[Source], lists: Lists = "hidden", dialog: bool = True
) -> str:
    """The module's body for this layout; with the JSON island the page's script expects (nothing to play
    late: the whole overview is in the body, collapsed by style until "Show more"). Without `dialog` only the
    preview cards are drawn."""
    cards = card_sources(sources)
    column = aim.answer_html(search.overview, cards, key=key, hl=hl)
    island = json.dumps({"late": {}, "clusters": {}, "sources": []})
    return (
        '<div jsname="HKDuG" class="Pqkn2e rNSxBe"><div class="jloFI GkDqAd"><div>'
        '<div jscontroller="qwbW4b" jsname="Y0vxu"><div><div style="position:relative"><div class="LT6XE">'
        '<div jsname="dvXlsc"><div><section><div jscontroller="WOnCB"><div jsname="coFSxe"><div class="qRuFed">'
        '<div class="CKgc1d" jsname="CS7uPe" jscontroller="uUCgYd">'
        '<div class="FkX2oe" data-subtree="aimc" jscontroller="nfCumd">'
        '<div class="pWvJNd" jscontroller="zp3Dsd"><div class="mZJni Dn7Fzd" data-container-id="main-col" '
        f'data-xid="VpUvz" jscontroller="Aoijq">{column}</div></div>'
        f'<div class="" jscontroller="zp3Dsd">{_rhs(cards, hl, dialog=dialog)}</div>'
        "</div></div></div></div></div></section></div>"
        f"{_lists(sources, hl, lists)}</div></div></div></div></div></div>"
        f'{_footer(hl)}</div></div><script type="application/json" class="cw-folsrch">{island}</script>'
    )


def _rhs(cards: Sequence[CardSource], hl: str, *, dialog: bool) -> str:
    """engines.md §4.3 / §5.2 right column: the dialog (hidden) with every card, then the preview cards."""
    if not cards:
        return ""
    text = aim.labels(hl)
    every = "".join(aim.card(s, in_dialog=True, uid=f"d{i}", hl=hl) for i, s in enumerate(cards)) if dialog else ""
    preview = "".join(aim.card(s, in_dialog=False, uid=f"p{i}", hl=hl) for i, s in enumerate(cards[:PREVIEW_CARDS]))
    return (
        '<div class="ofHStc Dn7Fzd" data-container-id="rhs-col" jscontroller="Oh6VO"><span>'
        '<div class="wDa0n notranslate" role="dialog" style="display:none;" jscontroller="XktUkb">'
        f'<div class="HWMcu" tabindex="-1"><ul class="bTFeG">{every}</ul></div></div></span>'
        '<div class="jKhXsc notranslate" data-xid="aim-aside-initial-corroboration-container" jscontroller="w74sh">'
        f'<div class="BTkBWc"><ul class="EJw9bc">{preview}</ul><div class="qnIdo"><div class="BjvG9b" '
        f'role="button" aria-label="{esc(text["show_all"])}" tabindex="0"><span class="zJR8l">'
        f"{esc(text['show_all_short'])}</span></div></div></div></div></div>"
    )


def _lists(sources: Sequence[Source], hl: str, lists: Lists) -> str:
    if lists == "none" or not sources:
        return ""
    items = [source_item(s, hl) for s in sources]
    if lists == "hidden":  # the en-ES page: one `<ul>` per entry, the whole list hidden
        uls = "".join(f"<ul>{item}</ul>" for item in items)
        hidden = '<div style="display:none"><div jsname="v1Xhtd" style="display:none" jscontroller="g4PEk">'
        return f"{hidden}{uls}</div></div>"
    text = labels(hl)
    show_all = (
        '<li class="tg2Kqf"><div class="trEk7e btku5b fCrZyc LwdV0e qVhvac Bmegof" role="button" tabindex="0" '
        f'jsaction="trigger.Wyhgxe" aria-controls="{MORE_LIST_ID}"><span class="clOx1e sjVJQd">'
        f"{esc(text['show_all'])}</span></div></li>"
    )
    return (
        '<div data-subtree="msc"><div class="fx92l">'
        f'<ul jsname="Z3saHd" class="zVKf0d Cgh8Qc">{"".join(items[:BESIDE])}{show_all}</ul>'
        f'<ul jsname="Z3saHd" class="zVKf0d Cgh8Qc" id="{MORE_LIST_ID}" style="display:none">'
        f"{''.join(items[BESIDE:])}</ul></div></div>"
    )


def _footer(hl: str) -> str:
    text = labels(hl)
    return (
        '<div class="OS7YA WYczDe"><div id="folsrch-sqf-1"><div class="F0OfWd" data-subtree="dfa">'
        f'<div class="wc5K8d"><div class="DuQANe MSJHRb">{esc(text["mistakes"])}</div></div></div></div></div>'
    )
