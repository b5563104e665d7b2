"""Selectors as data: one TOML file per engine, shipped in the package, mendable by users without a release.

`citewatch/selectors/<engine>.toml` holds every selector the engine's scraper and extractor use, in three
sections:

- `[scraper]`: Playwright selectors (CSS with Playwright's `:has-text()`, `:visible`, `>> visible=true`), a
  string or a list of strings;
- `[extractor]`: XPath 1.0, compiled once per process with lxml (never per page);
- `[names]`: tag, class and attribute names the extractor compares in Python, a string or a list of strings.

`_common.toml` holds the bot-wall vocabulary every engine shares; `_google.toml` what both Google engines read
the same way (consent, organic results, the AI Mode answer component): `SHARED` names the files an engine also
reads.

A folder of `<engine>.toml` files named by `CITEWATCH_SELECTORS_DIR` (or `--selectors DIR`) overrides the
shipped keys it names; the other keys keep their shipped values. Every override key is checked when it is
read: an unknown section or key, a value of the wrong type, a selector that does not parse or an XPath that
does not compile is one `SelectorError` line naming the file, the key and the problem.

Modules read selectors through a `Selectors` handle made at import (`SEL = Selectors("perplexity")`):
`SEL.xpath(key)`, `SEL.css(key)`, `SEL.name(key)`, and as scraper class attributes `SEL.attr(key)`. The
handle compiles its set on first use and again only when `configure()` names another override folder.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal, overload

import cssselect
from lxml import etree

from citewatch.errors import ConfigError

ENV_VAR = "CITEWATCH_SELECTORS_DIR"
COMMON = "_common"
GOOGLE = "_google"
# The shared files an engine's modules read besides its own (and `_common`): an override of theirs changes it too.
SHARED: dict[str, tuple[str, ...]] = {"google_aio": (GOOGLE,), "google_ai_mode": (GOOGLE,)}
Section = Literal["scraper", "extractor", "names"]
SECTIONS: tuple[Section, ...] = ("scraper", "extractor", "names")
Value = str | tuple[str, ...]
# Playwright chains selectors with `>>`; a part such as `visible=true` or `nth=0` names one of its own engines.
_CHAIN = re.compile(r"\s*>>\s*")
_PLAYWRIGHT_PART = re.compile(r"^(visible|nth|text|internal:[a-z-]+)=")
_EMPTY_PAGE = etree.fromstring("<html><body/></html>", etree.HTMLParser())


class SelectorError(ConfigError):
    """A selectors file that cannot be used: its path, the key and what is wrong, in one line."""


@dataclass(frozen=True, slots=True)
class SelectorSet:
    """One engine's selectors as read: the shipped file with any override applied, compiled."""

    engine: str
    css: MappingProxyType[str, Value]
    xpath: MappingProxyType[str, etree.XPath]
    names: MappingProxyType[str, Value]
    override: Path | None  # the override file read, if any
    overridden: tuple[str, ...]  # "section.key" of every key the override replaced
    digest: str  # sha256 of the shipped file and the override, to tell in a bug report which selectors ran


@cache
def shipped_engines() -> tuple[str, ...]:
    """The engines whose selectors live in a data file (and `_common`)."""
    return tuple(
        sorted(p.name.removesuffix(".toml") for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))
    )


def load(engine: str, folder: Path | None = None) -> SelectorSet:
    """Read `engine`'s shipped selectors, apply `folder/<engine>.toml` when it exists, compile them."""
    shipped_bytes = resources.files(__name__).joinpath(f"{engine}.toml").read_bytes()
    shipped = _parse(shipped_bytes, f"citewatch/selectors/{engine}.toml")
    digest = hashlib.sha256(shipped_bytes)
    values: dict[Section, dict[str, Value]] = {section: dict(shipped.get(section, {})) for section in SECTIONS}
    override_path = folder / f"{engine}.toml" if folder is not None else None
    overridden: list[str] = []
    if override_path is not None and override_path.is_file():
        raw = _read(override_path)
        digest.update(raw)
        for section, key, value in _override_entries(_parse(raw, str(override_path)), values, override_path):
            values[section][key] = value
            overridden.append(f"{section}.{key}")
    else:
        override_path = None

    def where(section: Section, key: str) -> str:
        return str(override_path) if f"{section}.{key}" in overridden else f"citewatch/selectors/{engine}.toml"

    return SelectorSet(
        engine=engine,
        css=MappingProxyType({k: _checked_css(v, where("scraper", k), k) for k, v in values["scraper"].items()}),
        xpath=MappingProxyType(
            {k: _compiled_xpath(v, where("extractor", k), k) for k, v in values["extractor"].items()}
        ),
        names=MappingProxyType(values["names"]),
        override=override_path,
        overridden=tuple(overridden),
        digest=digest.hexdigest()[:16],
    )


def check_overrides(folder: Path) -> list[SelectorSet]:
    """Load every override file of `folder`, raising the first problem; the sets it changes."""
    if not folder.is_dir():
        raise SelectorError(f"{folder}: the selectors folder does not exist")
    known = shipped_engines()
    found: list[SelectorSet] = []
    for path in sorted(folder.glob("*.toml")):
        engine = path.name.removesuffix(".toml")
        if engine not in known:
            raise SelectorError(f"{path}: no engine named {engine!r}{_suggest(engine, list(known))}")
        found.append(load(engine, folder))
    return found


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SelectorError(f"{path}: cannot read: {exc.strerror}") from exc


def _parse(raw: bytes, where: str) -> dict[str, dict[str, Value]]:
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SelectorError(f"{where}: not a valid TOML file: {exc}") from exc
    parsed: dict[str, dict[str, Value]] = {}
    for section, table in document.items():
        if section not in SECTIONS:
            raise SelectorError(f"{where}: unknown section [{section}]{_suggest(section, list(SECTIONS))}")
        if not isinstance(table, dict):
            raise SelectorError(f"{where}: {section} must be a table ([{section}])")
        parsed[section] = {key: _value(value, where, f"{section}.{key}") for key, value in table.items()}
    return parsed


def _value(value: object, where: str, key: str) -> Value:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    raise SelectorError(f"{where}: {key}: expected a non-empty string or list of strings, got {value!r}")


def _override_entries(
    override: dict[str, dict[str, Value]], shipped: dict[Section, dict[str, Value]], path: Path
) -> list[tuple[Section, str, Value]]:
    entries: list[tuple[Section, str, Value]] = []
    for section in SECTIONS:
        for key, value in override.get(section, {}).items():
            known = shipped[section]
            if key not in known:
                raise SelectorError(f"{path}: {section}.{key}: unknown key{_elsewhere(path, section, key, known)}")
            if type(value) is not type(known[key]) or (section == "extractor" and not isinstance(value, str)):
                want = "a string" if isinstance(known[key], str) else "a list of strings"
                raise SelectorError(f"{path}: {section}.{key}: expected {want}, got {value!r}")
            entries.append((section, key, value))
    return entries


def _elsewhere(path: Path, section: Section, key: str, known: dict[str, Value]) -> str:
    """The hint for an unknown key: the shared file that holds it, else the nearest key of the engine's own."""
    engine = path.name.removesuffix(".toml")
    for shared in SHARED.get(engine, ()):
        if key in _parse(resources.files(__name__).joinpath(f"{shared}.toml").read_bytes(), shared).get(section, {}):
            return f" (it is shared by the Google engines: put it in {path.with_name(f'{shared}.toml')})"
    return _suggest(key, list(known))


def _suggest(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})"


def _checked_css(value: Value, where: str, key: str) -> Value:
    for selector in (value,) if isinstance(value, str) else value:
        for part in _CHAIN.split(selector.strip()):
            if _PLAYWRIGHT_PART.match(part):
                continue
            try:
                cssselect.parse(part)
            except cssselect.SelectorError as exc:
                raise SelectorError(f"{where}: scraper.{key}: not a valid selector {selector!r}: {exc}") from exc
    return value


def _compiled_xpath(value: Value, where: str, key: str) -> etree.XPath:
    if not isinstance(value, str):
        raise SelectorError(f"{where}: extractor.{key}: expected a string, got {value!r}")
    try:
        compiled = etree.XPath(value)
        compiled(_EMPTY_PAGE)  # an unknown function or a type error shows only when the query runs
    except etree.XPathError as exc:
        raise SelectorError(f"{where}: extractor.{key}: XPath does not compile ({exc}): {value!r}") from exc
    return compiled


# --- the process's current selectors ---------------------------------------------------------------


@dataclass(slots=True)
class _Current:
    configured: bool = False
    folder: Path | None = None
    generation: int = 0  # bumped by `configure`: every handle recompiles once on its next use


_current = _Current()


def configure(folder: Path | None) -> list[SelectorSet]:
    """Use `folder`'s overrides from now on (None: the shipped selectors); checks them first."""
    changed = check_overrides(folder) if folder is not None else []
    _current.configured, _current.folder = True, folder
    _current.generation += 1
    return changed


def override_dir() -> Path | None:
    """The override folder in effect: the one `configure` named, else `CITEWATCH_SELECTORS_DIR`."""
    if not _current.configured:
        configured = os.environ.get(ENV_VAR)
        configure(Path(configured) if configured else None)
    return _current.folder


class Selectors:
    """One engine's selectors as the process has them now; cheap to ask, compiled once per override folder."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self._generation = -1
        self._set: SelectorSet | None = None

    @property
    def current(self) -> SelectorSet:
        if self._set is None or self._generation != _current.generation:
            folder = override_dir()
            self._set, self._generation = load(self.engine, folder), _current.generation
        return self._set

    def css(self, key: str) -> str:
        value = self.current.css[key]
        if not isinstance(value, str):
            raise TypeError(f"scraper.{key} of {self.engine} is a list: use css_list")
        return value

    def css_list(self, key: str) -> tuple[str, ...]:
        value = self.current.css[key]
        return (value,) if isinstance(value, str) else value

    def xpath(self, key: str) -> etree.XPath:
        return self.current.xpath[key]

    def name(self, key: str) -> str:
        value = self.current.names[key]
        if not isinstance(value, str):
            raise TypeError(f"names.{key} of {self.engine} is a list: use names")
        return value

    def names(self, key: str) -> frozenset[str]:
        value = self.current.names[key]
        return frozenset((value,) if isinstance(value, str) else value)

    @overload
    def attr(self, key: str) -> _CssAttr: ...
    @overload
    def attr(self, key: str, *, many: Literal[True]) -> _CssListAttr: ...
    def attr(self, key: str, *, many: bool = False) -> _CssAttr | _CssListAttr:
        """A scraper class attribute that reads `scraper.<key>` whenever it is used."""
        return _CssListAttr(self, key) if many else _CssAttr(self, key)


_handles: dict[str, Selectors] = {}


def current(engine: str) -> SelectorSet | None:
    """`engine`'s selectors as the process has them now; None for an engine whose selectors are still code."""
    if engine not in _handles:
        if engine not in shipped_engines():
            return None
        _handles[engine] = Selectors(engine)
    return _handles[engine].current


def provenance(engine: str) -> str | None:
    """For an extraction's warnings: which overrides changed the extractor's selectors (the engine's own file,
    the shared files it reads and the bot walls every extractor reads), None when none did."""
    said: list[str] = []
    for name in (engine, *SHARED.get(engine, ()), COMMON):
        selectors = current(name)
        keys = [key for key in selectors.overridden if not key.startswith("scraper.")] if selectors else []
        if selectors and keys:
            said.append(f"selectors overridden by {selectors.override} (digest {selectors.digest}): {', '.join(keys)}")
    return "; ".join(said) or None


class _CssAttr:
    def __init__(self, selectors: Selectors, key: str) -> None:
        self._selectors, self._key = selectors, key

    def __get__(self, obj: object, owner: type | None = None) -> str:
        return self._selectors.css(self._key)


class _CssListAttr:
    def __init__(self, selectors: Selectors, key: str) -> None:
        self._selectors, self._key = selectors, key

    def __get__(self, obj: object, owner: type | None = None) -> tuple[str, ...]:
        return self._selectors.css_list(self._key)
