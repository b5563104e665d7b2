"""The AI Mode DOM the replica streams, after engines.md §5.2 and the real saved page (Polish UI).

Every element the scraper waits for or the extractor reads is drawn here, server-side, as AI Mode sends
ready HTML: the answer blocks (`div.Y3BBE[data-sfc-cp]` paragraphs, `[role=heading]` headings, `ul > li`
items), citation buttons `button[data-icl-uuid]`, the hidden comment islands that say which sources each
button stands for (`data-crb-el=QRfHcf` links, `Hrp5ac` cards), the right column's source cards
`div[data-src-id]`, the "N sites" button (`data-xid=x92FHb`), "Show all related links" and its dialog.
Change one of them here and the scraper and the extractor must change too.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from citewatch.replicas.google_ai_mode.corpus import Source

# The labels AI Mode localises; the scraper and extractor never read them (engines.md §7 "Locale").
LABELS = {
    "en": {
        "cite": "View related links",
        "sites": "{n} sites",
        "show_all": "Show all related links",
        "show_all_short": "Show all",
        "close": "Close",
        "about": "About this result",
        "new_tab": "Opens in new tab.",
        "disclaimer": "AI responses may include mistakes.",
        "learn_more": "Learn more",
        "helpful": "Helpful",
        "not_helpful": "Not helpful",
        "thanks": "Thank you",
        "ask": "Ask anything",
        "error": "Something went wrong and an AI response wasn't generated.",
    },
    "de": {
        "cite": "Zugehörige Links ansehen",
        "sites": "{n} Websites",
        "show_all": "Alle zugehörigen Links anzeigen",
        "show_all_short": "Alle anzeigen",
        "close": "Schließen",
        "about": "Über dieses Ergebnis",
        "new_tab": "Wird in einem neuen Tab geöffnet.",
        "disclaimer": "KI-Antworten können Fehler enthalten.",
        "learn_more": "Weitere Informationen",
        "helpful": "Hilfreich",
        "not_helpful": "Nicht hilfreich",
        "thanks": "Vielen Dank",
        "ask": "Frag mich etwas",
        "error": "Etwas ist schiefgelaufen und es wurde keine KI-Antwort generiert.",
    },
    "es": {
        "cite": "Ver enlaces relacionados",
        "sites": "{n} sitios",
        "show_all": "Mostrar todos los enlaces relacionados",
        "show_all_short": "Mostrar todo",
        "close": "Cerrar",
        "about": "Información sobre este resultado",
        "new_tab": "Se abre en una pestaña nueva.",
        "disclaimer": "Las respuestas de la IA pueden contener errores.",
        "learn_more": "Más información",
        "helpful": "Útil",
        "not_helpful": "No es útil",
        "thanks": "Gracias",
        "ask": "Pregunta lo que quieras",
        "error": "Se ha producido un error y no se ha generado una respuesta de IA.",
    },
    "pl": {
        "cite": "Wyświetl powiązane materiały",
        "sites": "{n} witryn",
        "show_all": "Pokaż wszystkie powiązane linki",
        "show_all_short": "Pokaż wszystkie",
        "close": "Zamknij",
        "about": "O tym wyniku",
        "new_tab": "Otwiera się w nowej karcie.",
        "disclaimer": "Odpowiedzi wygenerowane przez AI mogą zawierać błędy.",
        "learn_more": "Więcej informacji",
        "helpful": "Pomocne",
        "not_helpful": "Nieprzydatna",
        "thanks": "Dziękujemy",
        "ask": "Zapytaj, o co chcesz",
        "error": "Coś poszło nie tak i nie udało się wygenerować odpowiedzi AI.",
    },
}
PREVIEW_CARDS = 3  # the right column shows this many cards; the dialog shows all
_MARKER = re.compile(r"\[(\d+(?:,\d+)*)\]")
_CLOSING = re.compile(r"\[(\d+(?:,\d+)*)\]\s*$")  # a marker ending a list item is the list's button
_INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|\[(\d+(?:,\d+)*)\]")
_UUIDS = uuid.UUID("6f1c1d5e-2b0a-4c36-9d7e-3a5b8c0e4f12")


def strip_markers(text: str) -> str:
    return _MARKER.sub("", text)


def labels(hl: str) -> dict[str, str]:
    return LABELS.get(hl.split("-")[0].lower(), LABELS["en"])


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def island(data: object) -> str:
    """A hidden data island: JSON in a comment, entity-escaped as Google serves it."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("=", "\\u003d").replace("&", "\\u0026")
    return "<!--Sv6Kpe" + raw.replace('"', "&quot;") + "-->"


def _origin(url: str) -> str:
    return "/".join(url.split("/")[:3])


def _favicon(url: str) -> str:
    return f"/favicons/{url.split('/')[2]}"


@dataclass
class _Turn:
    """What rendering one answer so far collected: the buttons and the sources behind each."""

    key: str
    sources: Sequence[Source]
    text: dict[str, str]
    links: list[tuple[str, Source]] = field(default_factory=list)  # paragraph and heading buttons
    cards: list[tuple[str, Source]] = field(default_factory=list)  # list buttons (drawn after their list)
    buttons: int = 0

    def button(self, marker: str, *, list_end: bool) -> str:
        self.buttons += 1
        button_id = str(uuid.uuid5(_UUIDS, f"{self.key}/{self.buttons}"))
        cited = [self.sources[int(n) - 1] for n in marker.split(",") if 0 < int(n) <= len(self.sources)]
        (self.cards if list_end else self.links).extend((button_id, source) for source in cited)
        wrapper = "uJ19be notranslate" if list_end else "txxDge notranslate"
        return (
            f'<span class="{wrapper}" jscontroller="udAs2b"><span class="vKEkVd" data-animation-atomic="">'
            f'<button tabindex="0" data-amic="true" data-icl-uuid="{button_id}" aria-label="{esc(self.text["cite"])}"'
            ' class="rBl3me"><span class="wiMplc ofC0Ud"><svg viewBox="0 0 24 24" width="14" height="14">'
            '<path d="M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1">'
            "</path></svg></span></button></span>"
            + island([[None, None, button_id, None, None, 1 if list_end else 0, 0, "", ""]])
            + "</span>"
        )

    def inline(self, text: str) -> str:
        out, last = [], 0
        for match in _INLINE.finditer(text):
            out.append(esc(text[last : match.start()]))
            last = match.end()
            strong, em, marker = match.groups()
            if strong is not None:
                out.append(f'<strong class="Yjhzub" jscontroller="zYmgkd">{esc(strong)}<!--Sv6Kpe[]--></strong>')
            elif em is not None:
                out.append(f'<em class="eujQNb" jscontroller="yHWXO">{esc(em)}<!--Sv6Kpe[]--></em>')
            else:
                out.append(self.button(marker, list_end=False))
        return "".join(out) + esc(text[last:])


def answer_html(markup: str, sources: Sequence[Source], *, key: str, hl: str) -> str:
    """The answer column's content for the answer written so far (`markup` may be a prefix)."""
    turn = _Turn(key=key, sources=sources, text=labels(hl))
    parts: list[str] = []
    for index, block in enumerate(b for b in markup.split("\n\n") if b.strip()):
        parts.append(_block_html(block.strip(), turn, first=index == 0))
        if turn.cards:
            parts.append("".join(_card_island(button_id, source) for button_id, source in turn.cards))
            turn.cards.clear()
    parts.append("".join(_link_island(button_id, source) for button_id, source in turn.links))
    return "".join(parts)


_SPACER = '<div class="Fsg96" data-sfc-cp="" jscontroller="KHhJQ"><!--Sv6Kpe[]--></div>'


def _block_html(block: str, turn: _Turn, *, first: bool) -> str:
    if block.startswith("## "):
        return (
            f'{_SPACER}<div class="otQkpb" aria-level="3" role="heading" data-sfc-cp="" jscontroller="a7qCn">'
            f"{_heading(block[3:], turn)}<!--Sv6Kpe[]--></div>"
        )
    if block.startswith("- "):
        items = [line[2:] for line in block.splitlines() if line.startswith("- ")]
        return f'<ul class="KsbFXc U6u95" jscontroller="mPWODf">{"".join(_item(i, turn) for i in items)}</ul>'
    body = turn.inline(block.replace("\n", " "))
    if first:
        body = (
            '<span data-key="aimhl" data-value="" data-animation-skip=""><!--Sv6Kpe[]--></span>'
            f'<div data-subtree="aimfl" jscontroller="v48bt">{body}<!--Sv6Kpe[]--></div>'
        )
    return f'<div class="Y3BBE" data-sfc-cp="" jscontroller="zcfIf">{body}<!--Sv6Kpe[]--></div>'


def _heading(text: str, turn: _Turn) -> str:
    marker = _MARKER.search(text)
    title = _MARKER.sub("", text)
    button = turn.button(marker.group(1), list_end=False) if marker else ""
    return f'<strong class="Yjhzub" jscontroller="zYmgkd">{esc(title)}<!--Sv6Kpe[]--></strong>{button}'


def _item(text: str, turn: _Turn) -> str:
    closing = _CLOSING.search(text)
    body = text[: closing.start()] if closing else text
    span = f'<span class="T286Pc" data-sfc-cp="" jscontroller="fly6D">{turn.inline(body)}<!--Sv6Kpe[]--></span>'
    list_button = turn.button(closing.group(1), list_end=True) if closing else ""
    return f'<li jscontroller="vsuOFb" data-sae="">{span}{list_button}<!--Sv6Kpe[]--></li>'


def _link_island(button_id: str, source: Source) -> str:
    """engines.md §5.2 "citation resolution": `[uuid, src id, 1, url, favicon, ""]` under `QRfHcf`."""
    row = [[button_id, source.src_id, 1, source.url, _favicon(source.url), ""]]
    return f'<div data-crb-el="QRfHcf" jscontroller="m0LFHd" style="display:none">{island(row)}</div>'


def _card_island(button_id: str, source: Source) -> str:
    """The carousel a list's button opens: `[uuid, [title, snippet, favicon, origin, [site], url, …, src id]]`."""
    card = [source.title, source.snippet, _favicon(source.url), _origin(source.url), [source.site], source.url]
    row = [[button_id, [*card, None, None, source.src_id]]]
    return f'<div data-crb-el="Hrp5ac" jscontroller="bzxG6c" style="display:none">{island(row)}</div>'


def under_answer(suggestions: Sequence[str], query: str, hl: str) -> str:
    """What follows a finished answer in its column: suggestion chips, disclaimer, share and feedback."""
    text = labels(hl)
    chips = "".join(
        '<div role="button" class="EKqw PmZFeb" data-sfc-cp="" jscontroller="FOJdve">'
        f'<button class="zQvzzc" data-xid="UN5Mf" jscontroller="qFE9ld"><div class="zwS7bb">{esc(q)}</div>'
        f"{island([[q]])}</button></div>"
        for q in suggestions
    )
    suggestions_html = (
        f'<div jscontroller="E8Xvze"><div class="rXoQtd"><div data-sn-container="" class="MimRQe" role="group" '
        f'data-sfc-cp="" jscontroller="D3Zopd"><div data-thcrc-cc="" class="N8RrG">{chips}</div></div></div></div>'
        if suggestions
        else ""
    )
    return (
        f"{_SPACER}{suggestions_html}"
        '<div data-xid="Gd7Hsc" data-sfc-cp="" jscontroller="a5f0he"><div class="DBd2Wb"><div jscontroller="RJMArf">'
        f'<div class="v4bSkd">{esc(text["disclaimer"])} <a class="dfyMHf" '
        f'href="https://support.google.com/websearch?p=aimode">{esc(text["learn_more"])}</a></div></div></div></div>'
        '<div class="VlQBpc" jscontroller="RjGxw">'
        f'<div class="csTa2e" data-sfc-cp=""><button aria-label="{esc(text["helpful"])}" class="ya9Iof" data-snt="1">'
        f'</button><div data-xid="" class="Aspg9c B3Ckgb"><div>{esc(text["helpful"])}</div></div></div>'
        f'<div class="csTa2e" data-sfc-cp=""><button aria-label="{esc(text["not_helpful"])}" class="ya9Iof" '
        f'data-snt="-1"></button><div data-xid="" class="Aspg9c B3Ckgb"><div>{esc(text["not_helpful"])}</div></div>'
        f'</div><div class="z07gg" tabindex="-1" role="dialog" hidden><div class="VnsvSb">{esc(text["thanks"])}'
        "</div></div></div>"
        f"{island([[1, 0, 1, None, 0, 0, 1, None, None, None, 1, 0, 0, 0, 0, 0, query, 0]])}"
    )


def card(source: Source, *, in_dialog: bool, uid: str, hl: str) -> str:
    """One source card `div[data-src-id][data-crb-el=kXllB] > a.NDNGvf` (also drawn by the AI Overview replica)."""
    text = labels(hl)
    label = f"{source.title}. {text['new_tab']}" if source.place else source.title
    snippet = f"{source.date} — {source.snippet}" if source.date else source.snippet
    return (
        f'<li class="{"CyMdWb" if in_dialog else "jydCyd"}"><div class="MFrAxb BKnikc" data-src-id="{source.src_id}" '
        f'data-src-fp="{str(source.place).lower()}" data-crb-el="kXllB" data-crb-gbl="{str(in_dialog).lower()}" '
        f'jscontroller="NTGAy"><a class="NDNGvf" target="_blank" aria-label="{esc(label)}" rel="noopener" '
        f'href="{esc(source.url)}"></a><div class="w6SxZb"><div class="T5ny9d">'
        f'<div class="Nn35F" id="cw-src-{uid}">{esc(source.title)}</div>'
        f'<span class="vhJ6Pe" jscontroller="WCuygd">{esc(snippet)}</span>'
        f'<div class="w8lk7d"><div class="jEYmO"><span class="Z1JFYc"><img class="sGgDgb" alt="" width="16" '
        f'height="16" src="{_favicon(source.url)}"><span class="R0r5R">{esc(source.site)}</span></span></div>'
        f'<div class="F7N3Qc"><div tabindex="0" role="button" aria-describedby="cw-src-{uid}" '
        f'aria-label="{esc(text["about"])}" class="xXnAhe"></div></div></div></div></div></div></li>'
    )


def _sites_button(count: int, hl: str) -> str:
    text = labels(hl)
    return (
        f'<div class="W94uae" data-sfc-cp="" jscontroller="rjz2Nb"><button class="iqGHOe MUZtye" '
        f'aria-label="{esc(text["sites"].format(n=count))}" aria-describedby="rw0ISc" data-xid="x92FHb" '
        f'jscontroller="HHvzd"><span class="lQfa5">{esc(text["sites"].format(n=count))}</span>'
        f"{island([[count, 0]])}</button>"
    )


def distinct(sources: Sequence[Source]) -> list[Source]:
    seen: set[str] = set()
    unique = []
    for source in sources:
        if source.url not in seen:
            seen.add(source.url)
            unique.append(source)
    return unique


def rhs_html(sources: Sequence[Source], hl: str, turn: int) -> str:
    """The right column: the "N sites" button, the first cards and "Show all related links" (dialog closed)."""
    text = labels(hl)
    preview = "".join(
        card(s, in_dialog=False, uid=f"{turn}-p{i}", hl=hl) for i, s in enumerate(sources[:PREVIEW_CARDS])
    )
    return (
        '<div data-container-id="rhs-col" class="ofHStc" jscontroller="Oh6VO"><div data-container-id="13">'
        '<div class="jKhXsc notranslate" dir="ltr" data-xid="aim-aside-initial-corroboration-container" '
        f'data-sfc-cp=""><div class="BTkBWc">{_sites_button(len(distinct(sources)), hl)}</div></div>'
        f'<ul class="EJw9bc">{preview}</ul><div class="qnIdo fTz2k"><div aria-label="{esc(text["show_all"])}" '
        f'role="button" tabindex="0" class="BjvG9b" id="rw0ISc"><span class="zJR8l">{esc(text["show_all_short"])}'
        "</span></div></div></div></div></div>"
    )


def dialog_html(sources: Sequence[Source], hl: str, turn: int) -> str:
    """ "Show all related links": every source card, in a dialog the page opens on request."""
    text = labels(hl)
    cards = "".join(card(s, in_dialog=True, uid=f"{turn}-d{i}", hl=hl) for i, s in enumerate(sources))
    return (
        '<div data-type="hovc" class="wDa0n notranslate" role="dialog" jscontroller="XktUkb">'
        f'<div dir="ltr" tabindex="-1" class="HWMcu">{_sites_button(len(distinct(sources)), hl)}'
        f'<div role="button" tabindex="0" aria-label="{esc(text["close"])}" class="pJqQqb">×</div></div>'
        f'<ul class="bTFeG">{cards}</ul></div></div>'
    )
