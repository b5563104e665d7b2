"""Brand files: who to look for in answers (ours and competitors), as TOML or a campaign's `[brands]` table.

[[brand]]
name = "Acme CRM"
aliases = ["Acme"]
domains = ["acme-crm.example"]
ours = true
case_sensitive = true   # for names that are also common words ("Apex", "Loop")
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from citewatch.errors import ConfigError


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
