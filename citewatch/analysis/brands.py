"""Brand files: who to look for in answers (ours and competitors), as TOML or a campaign's `[brands]` table.

[[brand]]
name = "Acme CRM"
aliases = ["Acme"]
domains = ["acme-crm.example"]
ours = true
case_sensitive = true   # for names that are also common words ("Apex", "Loop")
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from citewatch.errors import ConfigError
from citewatch.models import BlockKind, Extraction


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    ours: bool = False
    case_sensitive: bool = False


class BrandSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: list[Brand] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> BrandSet:
        names = [b.name.casefold() for b in self.brand]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"brand names must be unique: {', '.join(duplicates)}")
        return self


def brands_from_table(table: dict[str, Any], *, origin: str, base_dir: Path | None = None) -> BrandSet:
    """A brand set from a parsed table: `{brand = [...]}` inline, or `{file = "brands.toml"}`."""
    if set(table) == {"file"}:
        path = Path(table["file"]).expanduser()
        return load_brands(base_dir / path if base_dir and not path.is_absolute() else path)
    try:
        return BrandSet.model_validate(table)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'brands'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{origin}: {problems}") from exc


def load_brands(path: Path) -> BrandSet:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read brand file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return brands_from_table(table, origin=str(path), base_dir=path.parent)


class BrandMention(BaseModel):
    """One brand found in an answer, with where and how it appears."""

    brand: str
    alias: str  # the name as written in the answer
    ours: bool
    block_index: int
    char_start: int
    rank: int  # order of first mention among the brands of this answer (1 = named first)
    list_rank: int | None  # position in the list when the mention sits in a list item
    band: str  # "top" (first 25% of the answer), "middle", "bottom" (last 25%)
    cited_in_sentence: bool  # a citation or link sits in the same sentence
    own_domain_cited: bool  # the answer cites one of the brand's own domains
    negative: bool  # "I couldn't find information about X": not a recommendation


# Absence and refusal phrasings that precede a name in the same sentence (documented in docs/metrics.md).
_NEGATIVE = re.compile(
    r"(?:could ?n[o']t find|can ?n[o']t find|did ?n[o']t find|unable to find|no (?:reliable |specific )?information"
    r"|not (?:aware of|familiar with)|do ?n[o']t have (?:any )?(?:information|details)|there is no (?:record|data))",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _pattern(name: str, case_sensitive: bool) -> re.Pattern[str]:
    # Word boundaries that also work for names with punctuation ("Monday.com", "C++").
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flags)


def _sentence(text: str, offset: int) -> tuple[int, int]:
    start = 0
    for match in _SENTENCE_END.finditer(text, 0, offset):
        start = match.end()
    end_match = _SENTENCE_END.search(text, offset)
    return start, end_match.end() if end_match else len(text)


def _band(offset: int, length: int) -> str:
    share = offset / length if length else 0.0
    return "top" if share < 0.25 else ("bottom" if share >= 0.75 else "middle")


def _owns(domain: str, cited: set[str]) -> bool:
    """The brand's domain, or a host under it, is among the cited domains."""
    domain = domain.lower()
    return any(c == domain or c.endswith("." + domain) for c in cited)


def _list_ranks(extraction: Extraction) -> dict[int, int]:
    """Rank of each list item block within its run of consecutive list items."""
    ranks: dict[int, int] = {}
    rank = 0
    for block in extraction.answer.blocks:
        rank = rank + 1 if block.kind is BlockKind.list_item else 0
        if rank:
            ranks[block.index] = rank
    return ranks


def match_mentions(extraction: Extraction, brands: BrandSet) -> list[BrandMention]:
    """Every mention of every brand in the answer, in reading order."""
    text = extraction.answer.text
    blocks: list[tuple[int, int]] = []  # (block index, offset in the answer text)
    cursor = 0
    for block in extraction.answer.blocks:
        cursor = max(text.find(block.text, cursor), cursor)
        blocks.append((block.index, cursor))
    list_ranks = _list_ranks(extraction)
    offsets = [c.char_start for c in extraction.citations if c.char_start is not None]
    cited_domains = {c.domain for c in extraction.citations if c.domain}
    found: list[tuple[int, Brand, str]] = []
    for brand in brands.brand:
        taken: set[int] = set()
        for name in sorted([brand.name, *brand.aliases], key=len, reverse=True):  # longest alias wins
            for match in _pattern(name, brand.case_sensitive).finditer(text):
                if not taken.intersection(range(match.start(), match.end())):
                    taken.update(range(match.start(), match.end()))
                    found.append((match.start(), brand, match.group(0)))
    found.sort(key=lambda item: item[0])
    order: dict[str, int] = {}
    mentions = []
    for offset, brand, alias in found:
        order.setdefault(brand.name, len(order) + 1)
        block_index = max((i for i, block_start in blocks if block_start <= offset), default=0)
        start, end = _sentence(text, offset)
        mentions.append(
            BrandMention(
                brand=brand.name,
                alias=alias,
                ours=brand.ours,
                block_index=block_index,
                char_start=offset,
                rank=order[brand.name],
                list_rank=list_ranks.get(block_index),
                band=_band(offset, len(text)),
                cited_in_sentence=any(start <= pos <= end for pos in offsets),
                own_domain_cited=any(_owns(d, cited_domains) for d in brand.domains),
                negative=bool(_NEGATIVE.search(text, start, offset)),
            )
        )
    return mentions
