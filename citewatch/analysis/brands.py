"""Brand files (who to look for in answers: ours and competitors) and brand mentions in one answer.

A brand file is TOML; a campaign embeds the same tables under `[brands]` (or points at a file with
`[brands] file = "brands.toml"`):

    [[brand]]
    name = "Acme CRM"
    aliases = ["Acme"]
    domains = ["acme-crm.example"]
    ours = true

    [[brand]]
    name = "Apex"
    case_sensitive = true                       # "apex" in prose is a word, not the brand
    require_context = ["CRM", "sales"]          # and "Apex" must appear near one of these

`match_mentions` is pure: it reads an `Extraction` and returns every mention with where and how it sits.
The rules (word boundaries, context, absence phrasings) are documented in docs/metrics.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from citewatch.analysis.run_sets import extraction_parts
from citewatch.analysis.sentences import Placed, citations_by_sentence, sentence_of, sentence_spans
from citewatch.errors import ConfigError
from citewatch.models import BlockKind, Extraction
from citewatch.toml_errors import find_line, key_path

Band = Literal["top", "middle", "bottom"]
CACHE_SIZE = 4096  # distinct answers, and cited URLs, whose findings a brand set keeps (`Memo`)


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)  # the brand's own sites; subdomains count too
    ours: bool = False  # a competitor otherwise
    case_sensitive: bool = False  # match the name and aliases only as written
    # Words of which one must sit in the same sentence (or the brand's own site be cited there, or the engine
    # highlight the name) for a match to count: for names that are common words ("Loop", "Apex").
    require_context: list[str] = Field(default_factory=list)

    @field_validator("name", "aliases", "require_context", mode="after")
    @classmethod
    def _no_blank_names(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if any(not name.strip() for name in names):
            raise ValueError("names must not be blank")
        return value

    @field_validator("domains", mode="after")
    @classmethod
    def _bare_hosts(cls, domains: list[str]) -> list[str]:
        return [_host(domain) for domain in domains]

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


def _host(domain: str) -> str:
    """ "https://www.Acme.example/pricing" -> "acme.example": brand domains are compared as bare hosts."""
    text = domain.strip().lower()
    host = (urlsplit(text if "//" in text else f"//{text}").hostname or "").removeprefix("www.")
    if "." not in host:
        raise ValueError(f"not a domain: {domain!r}")
    return host


class BrandSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: list[Brand] = Field(min_length=1)
    _matcher: re.Pattern[str] | None = PrivateAttr(default=None)
    _by_key: dict[str, Brand] = PrivateAttr(default_factory=dict)
    _memo: Memo | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unambiguous_names(self) -> BrandSet:
        owner: dict[str, str] = {}
        for brand in self.brand:
            for name in dict.fromkeys(_key(n) for n in brand.names):
                if name in owner:
                    raise ValueError(f"{name!r} names both {owner[name]!r} and {brand.name!r}")
                owner[name] = brand.name
        return self

    def matcher(self) -> tuple[re.Pattern[str], dict[str, Brand]]:
        """One regex for every name of every brand (longest first), and the brand each name belongs to."""
        if self._matcher is None:
            names = sorted(((n, b) for b in self.brand for n in b.names), key=lambda nb: -len(nb[0]))
            alternatives = (_alternative(name, brand.case_sensitive) for name, brand in names)
            # Word boundaries that also hold for names with punctuation ("Monday.com", "C++"); a hyphen
            # glues words ("Apex-Legends" is another name), so it is no boundary either.
            self._matcher = re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})(?![\w-])")
            self._by_key = {_key(name): brand for name, brand in names}
        return self._matcher, self._by_key

    def first_named(self, text: str) -> Brand | None:
        """The brand whose name comes first in `text` (a highlighted name, a title), matched as in answers."""
        pattern, by_key = self.matcher()
        found = pattern.search(text)
        return by_key[_key(found.group(0))] if found else None

    def memo(self) -> Memo:
        """What this brand set has found so far (one object: pydantic's private attributes are slow to reach)."""
        if self._memo is None:
            self._memo = Memo(self)
        return self._memo


class Memo:
    """A brand set's findings, kept because a report asks the same questions run after run: per distinct answer
    (text and blocks) the names in it and what its text alone says about each (`scan`), per cited URL the
    brands it belongs to (`owners`), and the mentions made so far (`mention`). What a run's citations and
    highlights decide is worked out for each run."""

    def __init__(self, brands: BrandSet) -> None:
        self.brands = brands
        self._scans: dict[tuple[str, tuple[tuple[int, str], ...]], _Scan] = {}
        self._owners: dict[tuple[str | None, str | None], frozenset[str]] = {}
        self._mentions: dict[tuple[str | int | bool | None, ...], BrandMention] = {}

    def owners(self, url: str | None, domain: str | None) -> frozenset[str]:
        """The brands a cited URL (or its registrable domain) is on (`on_domains`)."""
        key = (url, domain)
        found = self._owners.get(key)
        if found is None:
            if len(self._owners) >= CACHE_SIZE:
                self._owners.clear()
            found = frozenset(b.name for b in self.brands.brand if on_domains(url, domain, b.domains))
            self._owners[key] = found
        return found

    def cited(self, cited: Iterable[tuple[str, str | None]]) -> frozenset[str]:
        """The brands one of whose domains the answer cites, given its `run_sets.cited_targets`."""
        names: set[str] = set()
        for url, domain in cited:
            names.update(self.owners(url, domain))
        return frozenset(names)

    def mention(
        self,
        hit: _Hit,
        rank: int | None,
        list_rank: int | None,
        cited_in_sentence: bool,
        own_domain_in_sentence: bool,
        own_domain_cited: bool,
    ) -> BrandMention:
        """The mention a hit makes in one run: mentions are frozen, so equal ones are shared, not validated again."""
        key: tuple[str | int | bool | None, ...] = (hit.brand.name, hit.alias, hit.block_index, hit.start, hit.end)
        key += (hit.band, hit.cue, rank, list_rank, cited_in_sentence, own_domain_in_sentence, own_domain_cited)
        found = self._mentions.get(key)
        if found is None:
            if len(self._mentions) >= CACHE_SIZE:
                self._mentions.clear()
            found = self._mentions[key] = BrandMention(
                brand=hit.brand.name,
                alias=hit.alias,
                ours=hit.brand.ours,
                block_index=hit.block_index,
                char_start=hit.start,
                char_end=hit.end,
                rank=rank,
                list_rank=list_rank,
                band=hit.band,
                cited_in_sentence=cited_in_sentence,
                own_domain_in_sentence=own_domain_in_sentence,
                own_domain_cited=own_domain_cited,
                negative=hit.cue is not None,
                negative_cue=hit.cue,
            )
        return found

    def scan(self, text: str, blocks: Sequence[Block]) -> _Scan:
        """The names in an answer and what its text alone says about each (sentence, band, absence cue)."""
        key = (text, tuple((block.index, block.text) for block in blocks))
        found = self._scans.get(key)
        if found is None:
            if len(self._scans) >= CACHE_SIZE:
                self._scans.clear()
            found = self._scans[key] = _scan(text, blocks, self.brands)
        return found


def _alternative(name: str, case_sensitive: bool) -> str:
    words = (re.escape(word).replace("'", "['’]").replace("’", "['’]") for word in name.split())
    pattern = r"\s+".join(words)
    return pattern if case_sensitive else f"(?i:{pattern})"


def _key(name: str) -> str:
    return " ".join(name.replace("’", "'").split()).casefold()


def brands_from_table(
    table: dict[str, Any],
    *,
    origin: str,
    base_dir: Path | None = None,
    source: str | None = None,
    at: tuple[str, ...] = (),
) -> BrandSet:
    """Validate an already-parsed brand table: `{brand = [...]}` inline, or `{file = "brands.toml"}`.

    `origin` starts every error message (a path, or "campaign.toml: brands"); a relative `file` is read
    from `base_dir`. With the TOML `source` the table came from (at key path `at` in it), errors name their
    line; positions count from 1 (`brand[2].aliases` is the second brand's).
    """
    if set(table) == {"file"}:
        path = Path(table["file"]).expanduser()
        return load_brands(base_dir / path if base_dir and not path.is_absolute() else path)
    try:
        return BrandSet.model_validate(table)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            line = find_line(source, (*at, *error["loc"])) if source is not None else None
            where = f"line {line}, " if line else ""
            problems.append(f"{where}{key_path(error['loc']) if error['loc'] else 'brands'}: {error['msg']}")
        raise ConfigError(f"{origin}: " + "; ".join(problems)) from exc


def load_brands(path: Path) -> BrandSet:
    """Read a brand file; `ConfigError` names the file and the key that is wrong."""
    try:
        source = path.read_text(encoding="utf-8")
        table = tomllib.loads(source)
    except OSError as exc:
        raise ConfigError(f"cannot read brand file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return brands_from_table(table, origin=str(path), base_dir=path.parent, source=source)


class BrandMention(BaseModel):
    """One brand named in an answer, with where and how it appears."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    brand: str
    alias: str  # the name as written in the answer
    ours: bool
    block_index: int
    char_start: int  # offset in `Answer.text`
    char_end: int
    rank: int | None  # order of first mention among the brands of the answer, absence contexts left out
    list_rank: int | None  # position in its list when the mention sits in a list item
    band: Band  # by offset: "top" = first 25 % of the answer text, "bottom" = last 25 %
    cited_in_sentence: bool  # a citation marker or an inline link sits in the same sentence
    own_domain_in_sentence: bool  # one of those points to one of the brand's domains
    own_domain_cited: bool  # the answer cites one of the brand's domains, anywhere
    negative: bool  # an absence or negation context: not a recommendation, left out of mention rate
    negative_cue: str | None = None  # the words that made it negative

    @property
    def linked_or_cited(self) -> bool:
        return self.cited_in_sentence or self.own_domain_cited


# Absence phrasings before a name: "I couldn't find information about X", "there is no information on X",
# "I'm not familiar with X". Listed in docs/metrics.md.
_ABSENCE_CUE = re.compile(
    r"\b(?:"
    r"(?:could|can|did|do|does|would)(?:\s*not|n['’]t)\s+(?:find|locate|identify|verify|confirm)"
    r"|cannot\s+(?:find|locate|identify|verify|confirm)"
    r"|(?:unable|not\s+able|failed)\s+to\s+(?:find|locate|identify|verify|confirm)"
    r"|not\s+(?:aware\s+of|familiar\s+with)|never\s+heard\s+of"
    r"|(?:do|does|did)(?:\s*not|n['’]t)\s+have\s+(?:any\s+)?(?:\w+\s+)?(?:information|info|details|data)"
    r"|no\s+(?:\w+\s+){0,2}(?:information|info|details|data|results|records?|mentions?|evidence|reviews)"
    r"|(?:is|are)\s+no\s+(?:\w+\s+)?(?:company|product|brand|tool|service|platform|app)s?\s+(?:called|named)"
    r")\b",
    re.IGNORECASE,
)
# Between the cue and the name only these may stand ("… information about the company called X", "… about
# Zeta, Apex or X"), so "I couldn't find a cheaper option than X" stays a mention.
_GAP_TEXT = """
    any reliable specific public verified credible recent detailed much more further concrete official the a an
    information info details data result results record records mention mentions evidence review reviews reference
    references source sources company companies product products brand brands tool tools service services platform
    platforms app apps software vendor vendors about on regarding for of concerning related to called named by
    or nor and
"""
_GAP_WORDS = frozenset(_GAP_TEXT.split())
_GAP_TOKEN = re.compile(r"\w[\w.&'’+-]*|\S")
_QUOTES = frozenset(",\"“'‘")


def _in_absence_gap(gap: str) -> bool:
    """Whether the text between an absence cue and a name only continues the cue (or lists other names)."""
    return all(
        token.casefold() in _GAP_WORDS or token in _QUOTES or token[0].isupper() for token in _GAP_TOKEN.findall(gap)
    )


# Negations right after a name: "X is not a recognised brand", "X does not appear in …", "X could not be found".
_NEGATION_AFTER = re.compile(
    r"^(?:['’]s)?\s*(?:\([^)]*\)\s*)?(?:"
    r"(?:is|are|was|were)(?:\s+not|n['’]t)\s+(?:a\s+|an\s+|one\s+of\s+the\s+)?(?:widely\s+|well[\s-]|commonly\s+)?"
    r"(?:known|recogni[sz]ed|listed|mentioned|included|covered|found|available|recommended|suitable|documented"
    r"|reviewed|related|affiliated|real|actual|existing)\b"
    r"|(?:does|do|did)(?:\s+not|n['’]t)\s+(?:appear|exist|seem\s+to\s+(?:be|exist)|show\s+up)\b"
    r"|(?:could|can)(?:\s*not|n['’]t)\s+be\s+(?:found|verified|confirmed|identified)\b"
    r")",
    re.IGNORECASE,
)


def _negative_cue(text: str, sentence_start: int, start: int, end: int, sentence_end: int) -> str | None:
    cues = list(_ABSENCE_CUE.finditer(text, sentence_start, start))
    cue = cues[-1] if cues else None  # the nearest: an earlier cue's gap would hold this one's words
    if cue is not None and _in_absence_gap(text[cue.end() : start]):
        return " ".join(cue.group(0).split())
    after = _NEGATION_AFTER.search(text[end:sentence_end])
    return " ".join(after.group(0).split()) if after else None


def _band(offset: int, length: int) -> Band:
    share = offset / length if length else 0.0
    return "top" if share < 0.25 else ("bottom" if share >= 0.75 else "middle")


def on_domains(url: str | None, domain: str | None, domains: Iterable[str]) -> bool:
    """Whether a cited URL (or its registrable domain) is on one of `domains` (bare hosts) or a subdomain."""
    host = (urlsplit(url or "").hostname or domain or "").lower()
    return any(host == d or host.endswith("." + d) or domain == d for d in domains)


class Linked(Placed, Protocol):
    """What brand matching reads of a citation: where it sits (`Placed`) and where it points. A `Citation` is one."""

    @property
    def url(self) -> str | None: ...
    @property
    def canonical_url(self) -> str | None: ...
    @property
    def domain(self) -> str | None: ...


class Block(Protocol):
    """An answer block as brand matching reads it (an `AnswerBlock` is one)."""

    @property
    def index(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...


class Highlight(Protocol):
    """A name the engine highlighted, as brand matching reads it (a `Mention` is one)."""

    @property
    def text(self) -> str: ...
    @property
    def block_index(self) -> int: ...
    @property
    def char_start(self) -> int: ...
    @property
    def list_rank(self) -> int | None: ...


def cited_brands(cited: Iterable[tuple[str, str | None]], brands: BrandSet) -> frozenset[str]:
    """The brands one of whose domains the answer cites, given its `run_sets.cited_targets`."""
    return brands.memo().cited(cited)


def _block_starts(text: str, blocks: Sequence[Block]) -> list[int]:
    """Offset of every block in `Answer.text` (blocks are joined with blank lines, list items with one)."""
    starts, cursor = [], 0
    for block in blocks:
        found = text.find(block.text, cursor)
        start = cursor if found < 0 else found
        starts.append(start)
        cursor = start + len(block.text)
    return starts


def _list_ranks(blocks: Sequence[Block], highlights: Sequence[Highlight]) -> dict[int, int]:
    """List rank per list-item block: the extractor's own (read from the list in the page) where it gave one,
    else the position in the run of consecutive list items."""
    given = {m.block_index: m.list_rank for m in reversed(highlights) if m.list_rank is not None}
    ranks: dict[int, int] = {}
    counted = 0
    for block in blocks:
        counted = counted + 1 if block.kind == BlockKind.list_item else 0
        if counted:
            ranks[block.index] = given.get(block.index, counted)
    return ranks


@dataclass(frozen=True, slots=True)
class _Hit:
    """A name found in the text, with everything about it that the text alone decides."""

    brand: Brand
    alias: str
    block_index: int
    start: int  # offset in `Answer.text`
    end: int
    sentence: int
    band: Band
    cue: str | None  # the absence or negation cue around it


@dataclass(frozen=True, slots=True)
class _Scan:
    spans: tuple[tuple[int, int], ...]  # the answer's sentences
    starts: tuple[int, ...]
    hits: tuple[_Hit, ...]


def _scan(text: str, blocks: Sequence[Block], brands: BrandSet) -> _Scan:
    pattern, by_key = brands.matcher()
    found = [
        (block.index, start + match.start(), match.group(0))
        for block, start in zip(blocks, _block_starts(text, blocks), strict=True)
        for match in pattern.finditer(block.text)
    ]
    if not found:
        return _Scan((), (), ())
    spans = tuple(sentence_spans(text) or [(0, len(text))])
    starts = tuple(start for start, _ in spans)
    hits = []
    for block_index, offset, alias in found:
        end = offset + len(alias)
        index = sentence_of(starts, offset)
        sentence_start, sentence_end = spans[index]
        cue = _negative_cue(text, sentence_start, offset, end, sentence_end)
        hits.append(_Hit(by_key[_key(alias)], alias, block_index, offset, end, index, _band(offset, len(text)), cue))
    return _Scan(spans, starts, tuple(hits))


def _has_context(brand: Brand, sentence: str, own_site: bool, highlighted: bool) -> bool:
    if not brand.require_context or own_site or highlighted:
        return True
    return any(
        re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", sentence, re.IGNORECASE) for word in brand.require_context
    )


def match_mentions(extraction: Extraction, brands: BrandSet) -> list[BrandMention]:
    """Every mention of every brand in the answer, in reading order.

    Names and aliases match on word boundaries inside one block, case-insensitively unless the brand says
    `case_sensitive`; where two names overlap the longest wins. Ranks count brands in order of first mention,
    leaving out mentions in absence or negation contexts (those are flagged `negative`, with their cue).
    """
    memo = brands.memo()
    return mentions_in(
        extraction.answer.text,
        extraction.answer.blocks,
        extraction.citations,
        extraction.mentions,
        memo.cited(extraction_parts(extraction).targets()),
        memo,
    )


def mentions_in(
    text: str,
    blocks: Sequence[Block],
    citations: Sequence[Linked],
    highlights: Sequence[Highlight],
    cited: frozenset[str],
    memo: Memo,
) -> list[BrandMention]:
    """`match_mentions` from the parts of an extraction it reads (`cited` are the brands whose sites it cites,
    `memo.cited` of its `run_sets.cited_targets`; `memo` is the brand set's), so that a report can pass what it read
    from the row tables without rebuilding a whole `Extraction`."""
    scan = memo.scan(text, blocks)
    if not scan.hits:
        return []
    by_sentence = citations_by_sentence(scan.starts, citations)
    list_ranks = _list_ranks(blocks, highlights)
    highlighted = [(m.char_start, m.char_start + len(m.text)) for m in highlights]
    kept: list[tuple[_Hit, int | None, bool, bool]] = []  # list rank, cited in the sentence, own site there
    order: dict[str, int] = {}  # brand -> rank, by first mention outside absence contexts
    for hit in scan.hits:
        brand = hit.brand
        in_sentence = by_sentence.get(hit.sentence, [])
        own_in_sentence = any(brand.name in memo.owners(c.canonical_url or c.url, c.domain) for c in in_sentence)
        if brand.require_context:
            sentence_start, sentence_end = scan.spans[hit.sentence]
            is_highlighted = any(s <= hit.start < e for s, e in highlighted)
            if not _has_context(brand, text[sentence_start:sentence_end], own_in_sentence, is_highlighted):
                continue
        if hit.cue is None:
            order.setdefault(brand.name, len(order) + 1)
        kept.append((hit, list_ranks.get(hit.block_index), bool(in_sentence), own_in_sentence))
    return [
        memo.mention(hit, order.get(hit.brand.name), list_rank, in_sentence, own, hit.brand.name in cited)
        for hit, list_rank, in_sentence, own in kept
    ]


def named_brands(mentions: Iterable[BrandMention], *, include_negative: bool = False) -> list[str]:
    """B_r: the brands an answer names, in order of first mention; absence contexts left out by default."""
    return list(dict.fromkeys(m.brand for m in mentions if include_negative or not m.negative))
