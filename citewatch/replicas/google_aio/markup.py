"""The results page the replica serves, after engines.md §4.2 and the real saved pages (shared/captures/google_aio).

Every element the scraper waits for or the extractor reads is drawn here: the AI Overview module
`div[data-mcpr]` > `#m-x-content` with its failure placeholders (`span[jsname=lGsj1]`, `span[jsname=L1sC6e]`),
sentences `span[data-huuid]` in paragraphs (`div.rPeykc`), heading paragraphs (`div.rPeykc.pyPiTc`) and list
items (bold lead and description, later items in `div.bsmXxe` wrappers), citation clusters
`span.pjBG2e[data-cid] > div.NPrrbc[data-cid][data-uuids]` with their "View related links" button, the source
list `li.LLtSOc > a.KEVENd` (three beside the text with "Show all", the full list hidden until then), the
"Links" side panel, "Show more AI Overview" (`jsname=rPRdsc`, `aria-expanded`); the organic results
`#rso a > h3` with their snippet box `div[data-snf=nke7rc]`; "People also ask" (`div[data-initq]` >
`div[data-q]`). Change one of them here and the scraper and the extractor must change too.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from citewatch.replicas.google_aio.corpus import Organic, Search, Source

# The labels Google localises (`hl`); the scraper and the extractor never read them (engines.md §7 "Locale").
LABELS = {
    "en": {
        "title": "Google Search",
        "aio": "AI Overview",
        "aio_h1": "AI overview",
        "not_available": "An AI Overview is not available for this search",
        "failed": "Can't generate an AI overview right now. Try again later.",
        "generating": "Generating…",
        "about": "About this result",
        "cite": "View related links",
        "show_more": "Show more",
        "show_more_label": "Show more AI Overview",
        "show_all": "Show all",
        "links": "Links",
        "close": "Close",
        "dive": "Dive deeper in AI Mode",
        "mistakes": "AI responses may include mistakes.",
        "paa": "People also ask",
    },
    "de": {
        "title": "Google Suche",
        "aio": "Übersicht mit KI",
        "aio_h1": "Übersicht mit KI",
        "not_available": "Für diese Suche ist keine Übersicht mit KI verfügbar",
        "failed": "Die Übersicht mit KI kann gerade nicht erstellt werden. Versuche es später noch einmal.",
        "generating": "Wird erstellt…",
        "about": "Über dieses Ergebnis",
        "cite": "Zugehörige Links ansehen",
        "show_more": "Mehr anzeigen",
        "show_more_label": "Mehr von der Übersicht mit KI anzeigen",
        "show_all": "Alle anzeigen",
        "links": "Links",
        "close": "Schließen",
        "dive": "Im KI-Modus weiter recherchieren",
        "mistakes": "KI-Antworten können Fehler enthalten.",
        "paa": "Ähnliche Fragen",
    },
    "es": {
        "title": "Buscar con Google",
        "aio": "Vista creada con IA",
        "aio_h1": "Vista creada con IA",
        "not_available": "No hay ninguna vista creada con IA disponible para esta búsqueda",
        "failed": "No se puede generar una vista creada con IA en este momento. Inténtalo de nuevo más tarde.",
        "generating": "Generando…",
        "about": "Información sobre este resultado",
        "cite": "Ver enlaces relacionados",
        "show_more": "Mostrar más",
        "show_more_label": "Mostrar más de la vista creada con IA",
        "show_all": "Mostrar todo",
        "links": "Enlaces",
        "close": "Cerrar",
        "dive": "Profundiza en el modo IA",
        "mistakes": "Las respuestas de la IA pueden contener errores.",
        "paa": "Otras preguntas de los usuarios",
    },
}
BESIDE = 3  # sources shown beside the text before "Show all"
EAGER_ITEMS = 2  # list items rendered at once; later ones wait for "Show more" in `div.bsmXxe` wrappers
_MARKER = re.compile(r"\[(\d+(?:,\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?\]])\s+(?=[A-Z0-9])")  # after a full stop, or the marker that follows it
_LEAD = re.compile(r"^\*\*(.+?)\*\*\s*(.*)$")
_NAMESPACE = uuid.UUID("0b7a4a6e-61c5-4d43-8f4e-0c2f6c7d1a55")


def labels(hl: str) -> dict[str, str]:
    return LABELS.get(hl.split("-")[0].lower(), LABELS["en"])


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _ping(url: str) -> str:
    return f"/url?sa=t&source=web&rct=j&url={quote(url, safe=':/')}"


def _favicon(url: str) -> str:
    return f"/favicons/{url.split('/')[2]}"


# --- the overview ------------------------------------------------------------------------------------


@dataclass
class Overview:
    """One overview drawn as HTML: the text blocks, and what its clusters and lists hold."""

    blocks: list[str] = field(default_factory=list)  # one `div.WaaZC` each
    late: dict[str, str] = field(default_factory=dict)  # wrapper id -> list item drawn after "Show more"
    clusters: dict[str, list[int]] = field(default_factory=dict)  # cid -> indexes into the source list


class _Writer:
    def __init__(self, key: str, sources: Sequence[Source], hl: str) -> None:
        self.key = key
        self.sources = sources
        self.text = labels(hl)
        self.overview = Overview()
        self.sentences = 0
        self.items = 0
        self.pending: list[str] = []  # sentence ids since the last cluster of the block
        digest = hashlib.sha256(key.encode()).hexdigest()
        self.base = int(digest[:12], 16)  # sentence ids are numbers, as on the real page
        self.slug = digest[:12]

    def sentence(self, text: str, *, strong: bool = False) -> str:
        """`span[data-huuid]` for one sentence; a trailing marker draws the cluster after it."""
        self.sentences += 1
        huuid = str(self.base + self.sentences)
        self.pending.append(huuid)
        marker = _MARKER.search(text)
        words = esc(_MARKER.sub("", text).strip())
        words = f"<strong>{words}</strong>" if strong else words
        cluster = self.cluster(marker.group(1)) if marker else ""
        return f'<span data-huuid="{huuid}"><span>{words}</span>{cluster}<span> </span></span>'

    def cluster(self, marker: str) -> str:
        cid = str(uuid.uuid5(_NAMESPACE, f"{self.key}/{self.sentences}"))
        indexes = [int(n) - 1 for n in marker.split(",") if 0 < int(n) <= len(self.sources)]
        self.overview.clusters[cid] = indexes
        uuids, self.pending = ",".join(self.pending), []
        return (
            f'<span jscontroller="JHnpme" class="pjBG2e" data-cid="{cid}"><span class="UV3uM">&nbsp;'
            f'<div class="NPrrbc" data-cid="{cid}" data-uuids="{uuids}"><div jsname="HtgYJd" '
            f'class="BMebGe btku5b fCrZyc LwdV0e FR7ZSc qVhvac OJeuxf" aria-label="{esc(self.text["cite"])}" '
            'role="button" tabindex="0" jsaction="KjsqPd"><div class="niO4u"><div class="kHtcsd">'
            '<span class="d3o3Ad gJdC8e Hkv2Pe"><span class="iPjmzb Sorfoc gNGSDf"><span class="z1asCe Sb7k4e">'
            '<svg focusable="false" viewBox="0 0 24 24" width="18" height="18"><path d="M3.9 12c0-1.71 1.39-3.1 '
            '3.1-3.1h4V7H7c-2.76 0-5 2.24-5 5s2.24 5 5 5h4v-1.9H7c-1.71 0-3.1-1.39-3.1-3.1zM8 13h8v-2H8v2z"></path>'
            "</svg></span></span></span></div></div></div></div></span></span>"
            f'<div id="{cid}" style="display:none"></div>'
        )

    def sentences_of(self, text: str) -> str:
        return "".join(self.sentence(s) for s in _SENTENCE_END.split(text.strip()) if s.strip())

    def paragraph(self, text: str, *, heading: bool) -> str:
        self.pending = []
        kind = "rPeykc pyPiTc" if heading else "rPeykc"
        return f'<div class="WaaZC"><div class="{kind}">{self.sentences_of(text)}</div></div>'

    def item(self, text: str) -> str:
        self.pending = []
        lead = _LEAD.match(text)
        if lead is None:
            return f'<li class="K3KsMc">{self.sentences_of(text)}</li>'
        return (
            '<li class="K3KsMc"><div class="zMgcWd dSKvsb" data-il=""><div data-crb-p=""><div class="xFTqob">'
            f'<div class="Gur8Ad">{self.sentence(lead.group(1), strong=True)}</div>'
            f'<div class="vM0jzc">{self.sentences_of(lead.group(2))}</div></div></div></div></li>'
        )

    def block(self, text: str) -> str:
        if text.startswith("## "):
            return self.paragraph(text[3:], heading=True)
        if not text.startswith("- "):
            return self.paragraph(text.replace("\n", " "), heading=False)
        items = []
        for line in (line[2:] for line in text.splitlines() if line.startswith("- ")):
            item = self.item(line)
            self.items += 1
            if self.items <= EAGER_ITEMS:
                items.append(item)
                continue
            wrapper = f"{self.slug}__{len(self.overview.late) + 1}"
            self.overview.late[wrapper] = item
            items.append(f'<div class="bsmXxe" id="{esc(wrapper)}"></div>')
        return f'<div class="WaaZC"><ul jscontroller="M2ABbc" jsaction="jZtoLb:SaHfyb">{"".join(items)}</ul></div>'


def overview(search: Search, *, key: str, hl: str, sources: Sequence[Source] | None = None) -> Overview:
    """The overview's blocks; `sources` replaces the search's own (the varying scenario reorders them)."""
    writer = _Writer(key, search.sources if sources is None else sources, hl)
    for block in (b.strip() for b in search.overview.split("\n\n") if b.strip()):
        writer.overview.blocks.append(writer.block(block))
    return writer.overview


def source_item(source: Source, hl: str) -> str:
    """One entry of the source list (engines.md §4.2 "source list")."""
    text = labels(hl)
    snippet = f"{source.date} — {source.snippet}" if source.date and source.snippet else source.snippet
    snippet_html = f'<div class="ZigeC wHYlTd"><span class="gxZfx">{esc(snippet)}</span></div>' if snippet else ""
    return (
        f'<li jsname="XAYRPc" class="LLtSOc"><div class="igcdNb"></div><a class="KEVENd" '
        f'aria-label="{esc(source.title)}" href="{esc(source.url)}" ping="{esc(_ping(source.url))}"></a>'
        '<div class="ibUR7b tg2Kqf"><div class="wTKI4d"><div class="W6DUrc">'
        f'<div class="mNme1d tNxQIb">{esc(source.title)}</div>{snippet_html}'
        '<div class="LzPlYe"><div class="HAC9Fd vDF3Oc jIrdcd"><div class="iDBaYb"><div class="d6R6kf"><div>'
        f'<div class="oRVWZ GB3ilc Vwoesf" aria-hidden="true"><img class="XNo5Ab lWlVCe" src="{_favicon(source.url)}"'
        ' alt="" width="16" height="16"></div></div></div><div class="LbKnXb YAG2qc UYJxh">'
        f'<div class="R8BTeb q8U8x LJEGod du278d i0Rdmd">{esc(source.site)}</div></div></div></div>'
        f'<div class="tj8bcb"><div jscontroller="gOTY1" data-id="atritem-{esc(source.url.split("#")[0])}">'
        f'<div class="iTPLzd rNSxBe eY4mx lUn2nc" aria-label="{esc(text["about"])}" role="button" tabindex="0">'
        "</div></div></div></div></div></div></div></li>"
    )


def overview_body(drawn: Overview, sources: Sequence[Source], hl: str) -> str:
    """What `/async/folsrch` returns into `#m-x-content`: the text, both source lists, the Links panel, and
    the data the page needs for "Show more", "Show all" and each cluster's panel (a JSON island)."""
    text = labels(hl)
    beside = "".join(source_item(s, hl) for s in sources[:BESIDE])
    data = {
        "late": drawn.late,
        "clusters": drawn.clusters,
        "sources": [source_item(s, hl) for s in sources],
    }
    island = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (
        '<div jsname="HKDuG" class="Pqkn2e rNSxBe"><div class="jloFI GkDqAd"><div>'
        '<div jscontroller="qwbW4b" jsname="Y0vxu"><div class="UxeQfc"><div class="LT6XE">'
        f'<div jsname="dvXlsc" class="f5cPye" data-rl="{esc(hl)}"><div>{"".join(drawn.blocks)}</div>'
        '<div id="cw-all-sources" style="display:none"><div jscontroller="g4PEk" jsname="v1Xhtd"></div></div>'
        "</div></div>"
        '<div jsname="EVe5O" class="kLMmLc"><div jscontroller="a8oVod"><div jsname="OD6cHf">'
        '<div jsname="iAPbE" class="BOThhc"><div data-subtree="msc"><div class="fx92l">'
        f'<ul jsname="Z3saHd" class="zVKf0d Cgh8Qc">{beside}'
        '<li class="tg2Kqf"><div class="trEk7e btku5b fCrZyc LwdV0e qVhvac Bmegof" role="button" tabindex="0" '
        f'jsaction="trigger.Wyhgxe"><span class="clOx1e sjVJQd">{esc(text["show_all"])}</span></div></li>'
        "</ul></div></div></div></div>"
        '<div jscontroller="qzpJXc" style="display:none"><div jscontroller="oFYokc" class="GIfsGb TRXNOc">'
        f'<div class="mv7LYc" jsname="FYlftb"><div aria-label="{esc(text["links"])}">{esc(text["links"])}</div>'
        f'<div jsname="nJC9Vc" class="qmFcSc" aria-label="{esc(text["close"])}" role="button" tabindex="0">'
        '</div></div><ul jsname="Z3saHd" class="zVKf0d w2xCsc"></ul></div></div>'
        "</div></div></div></div></div></div></div>"
        '<div id="folsrch-sqf-1"><div class="F0OfWd" data-subtree="dfa">'
        f'<div class="iWoFNc" role="button" tabindex="0"><div class="saArie bxFRrb">{esc(text["dive"])}</div></div>'
        f'<div class="DuQANe MSJHRb">{esc(text["mistakes"])}</div></div></div>'
        f'<script type="application/json" class="cw-folsrch">{island}</script>'
    )


def module(hl: str, *, body: str = "", state: str = "loading") -> str:
    """The AI Overview module. `state`: "loading" (deferred, the page fetches the body), "loaded" (with
    `body`), "failed" ("can't generate" placeholder shown), "unavailable" ("not available" placeholder shown)."""
    text = labels(hl)
    hidden = ' style="display:none"'
    failed = "" if state == "failed" else hidden
    unavailable = "" if state == "unavailable" else hidden
    generating = (
        f'<div class="hoqQCc MyTwIe" role="progressbar" aria-busy="true">{esc(text["generating"])}</div>'
        if state == "loading"
        else ""
    )
    loaded = ' data-loaded="1"' if state != "loading" else ""
    return (
        '<div id="eKIzJc" jsname="ZLxsqf"><div class="YzCcne" data-mcpr="" data-mg-cp="YzCcne">'
        f'<h1 class="cw-a11y">{esc(text["aio_h1"])}</h1><div class="hdzaWe" data-is-desktop="1">'
        f'<div jscontroller="EYwa3d" jsname="dEwkXc"{loaded}><div data-mcpr="" data-subtree="mfc">'
        '<div jscontroller="AkrxPe" jsaction="OiPALb:mMVKRd"><div class="h7Tj7e" data-fh="" tabindex="-1">'
        '<div class="D5ad8b" id="m-x-content"><div class="X6JNf"><div jsname="V3qe9d" class="s7d4ef" '
        'jscontroller="pJyqm"><div jsname="txosbe" class="OZ9ddf WAUd4"><div class="nk9vdc">'
        f'<span jsname="lGsj1" class="YWpX0d"{unavailable}><span>{esc(text["not_available"])}</span></span>'
        f'<span jsname="L1sC6e" class="YWpX0d"{failed}><span>{esc(text["failed"])}</span></span>'
        f'<div jsname="cUzNTd" class="Fzsovc" aria-level="2" role="heading"><strong>{esc(text["aio"])}</strong></div>'
        f'</div></div><div class="EyBRub jUja0e aPfNm">{generating}{body}</div></div></div></div></div>'
        f"{show_more(hl) if state == 'loaded' else ''}</div></div></div></div></div></div>"
    )


def show_more(hl: str) -> str:
    """ "Show more AI Overview" (engines.md §4.2: jsname rPRdsc, trigger.OiPALb), below the clipped text."""
    text = labels(hl)
    return (
        f'<div jsname="rPRdsc" class="zNsLfb Jzkafd" aria-label="{esc(text["show_more_label"])}" role="button" '
        f'tabindex="0" jsaction="trigger.OiPALb" aria-expanded="false"><span>{esc(text["show_more"])}</span></div>'
    )


# --- the rest of the results page ---------------------------------------------------------------------


def organic_result(result: Organic, rpos: int, hl: str) -> str:
    """One classic result (capture-verified: `div[data-rpos]` > result box > `a > h3`, snippet `nke7rc`)."""
    text = labels(hl)
    host = "/".join(result.url.split("/")[:3])
    path = " › ".join(p for p in result.url.split("/")[3:] if p)
    breadcrumb = f'<span class="ylgVCe ob9lvb" role="text"> › {esc(path)}</span>' if path else ""
    return (
        f'<div class="MjjYud"><div class="A6K0A" data-rpos="{rpos}"><div jscontroller="SC7lYd" '
        f'class="wHYlTd Ww4FFb vt6azd tF2Cxc asEBEc" lang="{esc(hl)}" data-hveid="CA{rpos}QAA">'
        '<div class="srKDX" data-snc="cw"><div class="kb0PBd ieodic jGGQ5e" data-snf="x5WNvb">'
        '<div class="yuRUbf"><div class="b8lM7"><span class="V9tjod">'
        f'<a jsname="UWckNb" class="zReHs" href="{esc(result.url)}" ping="{esc(_ping(result.url))}">'
        f'<h3 class="LC20lb MBeuO DKV0Md">{esc(result.title)}</h3><br><div class="notranslate ESMNde HGLrXd ojE3Fb">'
        f'<div class="q0vns"><div class="CA5RN"><div><span class="VuuXrf">{esc(result.site)}</span></div>'
        f'<div class="byrV5b"><cite class="qLRx3b tjvcx GvPZzd cHaqb" role="text">{esc(host)}{breadcrumb}</cite>'
        "</div></div></div></div></a></span></div>"
        f'<div class="csDOgf BCF2pd L48a4c"><div jscontroller="gOTY1" data-id="atritem-{esc(result.url)}">'
        f'<div class="MJ8UF iTPLzd rNSxBe eY4mx lUn2nc" aria-label="{esc(text["about"])}" role="button" '
        'tabindex="0"></div></div></div></div></div>'
        '<div class="kb0PBd ieodic" data-snf="nke7rc" data-sncf="1,2"><div class="VwiC3b yXK7lf p4wth r025kc '
        f'hJNv6b Hdw6tb"><span>{esc(result.snippet)}</span></div></div></div></div></div></div>'
    )


def people_also_ask(query: str, questions: Sequence[str], hl: str) -> str:
    """ "People also ask": each question pair carries its question in `data-q`."""
    if not questions:
        return ""
    text = labels(hl)
    pairs = "".join(
        f'<div jsname="yEVEwb"><div jscontroller="xfmZMb" class="wQiwMc related-question-pair" data-q="{esc(q)}">'
        f'<div jsname="YrZdPb" jscontroller="aD8OEe"><div class="dnXCYb" role="button" aria-expanded="false">'
        f'<span class="CSkcDe">{esc(q)}</span></div></div></div></div>'
        for q in questions
    )
    return (
        '<div class="MjjYud"><div class="A6K0A"><div jscontroller="Da4hkd" jsname="bq0EGf" class="cUnQKe" '
        f'data-initq="{esc(query)}"><div class="Wt5Tfe"><div role="heading" aria-level="2" class="rQUk2e">'
        f'<span>{esc(text["paa"])}</span></div><div jsname="N760b" class="LQCGqc">{pairs}</div></div></div></div></div>'
    )


def results_page(
    query: str, hl: str, gl: str, *, aio: str, organic: Sequence[Organic], questions: Sequence[str]
) -> str:
    """A whole results page; `aio` is the module (or "" when Google shows no overview for the search)."""
    text = labels(hl)
    results = [organic_result(r, 2 * (i + 1), hl) for i, r in enumerate(organic)]
    results.insert(min(2, len(results)), people_also_ask(query, questions, hl))
    return (
        f'<!DOCTYPE html><html lang="{esc(hl)}"><head><meta charset="utf-8"><title>{esc(query)} - '
        f'{esc(text["title"])}</title><link rel="stylesheet" href="/static/google_aio.css"></head>'
        '<body class="srp" id="gsr" jscontroller="Eox39d"><div class="main" id="main"><div class="e9EfHf" id="cnt">'
        '<form class="tsf" id="tsf" action="/search" method="GET" role="search">'
        f'<textarea class="gLFyf" name="q" rows="1" aria-label="Search">{esc(query)}</textarea>'
        f'<input type="hidden" name="hl" value="{esc(hl)}"><input type="hidden" name="gl" value="{esc(gl)}"></form>'
        f'<div class="YNk70c NbTBrb GyAeWb" id="rcnt"><div id="Odp5De">{aio}</div>'
        '<div id="center_col"><div id="res" role="main"><div id="search"><div>'
        f'<div id="rso">{"".join(results)}</div></div></div></div></div></div></div></div>'
        '<script src="/static/google_aio.js"></script></body></html>'
    )
