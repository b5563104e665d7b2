"""Brand files and brand mentions: aliases, word boundaries, case, context, absence, ranks, bands, citations."""

from __future__ import annotations

from pathlib import Path

import pytest

from citewatch.analysis.brands import brands_from_table, load_brands, match_mentions, named_brands
from citewatch.errors import ConfigError
from citewatch.extract import extract_html

BRANDS = brands_from_table(
    {
        "brand": [
            {"name": "Acme CRM", "aliases": ["Acme"], "domains": ["https://www.acme-crm.example/"], "ours": True},
            {"name": "Apex", "case_sensitive": True},
            {"name": "Loop", "require_context": ["CRM", "pipeline"], "domains": ["loop.example"]},
            {"name": "Northwind"},
            {"name": "Zeta"},
            {"name": "Acme Cloud"},
        ]
    },
    origin="test",
)


def found(extraction) -> list[tuple[str, str, int]]:
    return [(m.brand, m.alias, m.char_start) for m in match_mentions(extraction, BRANDS)]


def test_aliases_word_boundaries_and_case(build) -> None:
    text = (
        "Apex and ACME crm lead; apex pricing is odd, Apexion differs, and Acme-style plans and Acme's add-ons vary."
        " Acme Cloud is separate."
    )
    assert found(build(("paragraph", text))) == [
        ("Apex", "Apex", 0),  # "apex" is a word: Apex requires its case; "Apexion" is another word
        ("Acme CRM", "ACME crm", 9),  # the name itself, case-insensitively
        ("Acme CRM", "Acme", 87),  # "Acme-style" is a compound, "Acme's" a possessive of the alias
        ("Acme Cloud", "Acme Cloud", 108),  # the longer name wins over the alias "Acme"
    ]


def test_names_do_not_match_across_blocks(build) -> None:
    assert found(build(("paragraph", "We compared Acme"), ("paragraph", "CRM tools."))) == [("Acme CRM", "Acme", 12)]


def test_common_word_brand_needs_context(build) -> None:
    extraction = build(
        ("paragraph", "Loop CRM syncs every contact."),  # a context word in the sentence
        ("paragraph", "Stay in the loop with Loop updates."),  # no context: neither counts
        ("list_item", "Loop – simple and fast."),  # the engine highlighted the name (a list lead)
        ("paragraph", "Many teams pick Loop for small teams. See Loop for ideas."),
        highlights=[("Loop – simple", 1)],
        markers=[("small teams.", "https://loop.example/pricing")],  # its own site cited in the sentence
    )
    mentions = match_mentions(extraction, BRANDS)
    assert [(m.block_index, m.char_start) for m in mentions] == [(0, 0), (2, 68), (3, 109)]
    assert [m.own_domain_in_sentence for m in mentions] == [False, False, True]


def test_absence_and_negation_are_flagged_and_left_out_of_ranks(build) -> None:
    extraction = build(
        ("paragraph", "I couldn't find information about Zeta."),
        ("paragraph", "There is no reliable information on Zeta, but Northwind is popular."),
        ("paragraph", "Zeta is not a recognized CRM vendor."),
        ("paragraph", "Northwind is not only cheap but fast, and Zeta is not the cheapest."),
        ("paragraph", "I'm not familiar with Apex."),
        ("paragraph", "I couldn't find a cheaper option than Acme, which has no data limits for Apex."),
        ("paragraph", "There are no reviews of Loop, Northwind or the company called Zeta."),
    )
    mentions = match_mentions(extraction, BRANDS)
    assert [(m.brand, m.negative_cue, m.rank) for m in mentions] == [
        ("Zeta", "couldn't find", 2),
        ("Zeta", "no reliable information", 2),
        ("Northwind", None, 1),  # "but" starts a new clause: Northwind is recommended
        ("Zeta", "is not a recognized", 2),
        ("Northwind", None, 1),  # "is not only …" is no negation
        ("Zeta", None, 2),  # nor is a comparison; this is Zeta's first mention outside an absence context
        ("Apex", "not familiar with", 4),  # ranked by its first mention outside absence contexts, below
        ("Acme CRM", None, 3),  # "a cheaper option than" does not continue an absence phrase
        ("Apex", None, 4),  # nor does "limits for"
        ("Northwind", "no reviews", 1),  # listed after the cue with other names
        ("Zeta", "no reviews", 2),
    ]
    assert all(m.negative == (m.negative_cue is not None) for m in mentions)
    assert named_brands(mentions) == ["Northwind", "Zeta", "Acme CRM", "Apex"]
    assert named_brands(mentions, include_negative=True) == ["Zeta", "Northwind", "Apex", "Acme CRM"]
    only_absent = build(("paragraph", "I'm not familiar with Apex. Zeta is good."))
    assert [m.rank for m in match_mentions(only_absent, BRANDS)] == [None, 1]  # never named outside absence


def test_rank_list_rank_band_and_citations(build) -> None:
    extraction = build(
        ("paragraph", "Three tools stand out."),
        ("heading", "Top picks"),
        ("list_item", "Acme CRM – free for two seats."),
        ("list_item", "Northwind – strong reports."),
        ("list_item", "Zeta – a nested pick."),
        ("paragraph", "Northwind is older than Acme. Apex is newer."),
        markers=[("two seats.", "https://www.acme-crm.example/pricing"), ("Three tools", "https://reviews.example/")],
        links=[("Apex is", "https://apex.example/")],
        highlights=[("Zeta", 1)],  # the extractor read a nested list: its own rank wins over counting items
    )
    assert len(extraction.answer.text) == 161
    rows = [
        (m.brand, m.char_start, m.rank, m.list_rank, m.band, m.cited_in_sentence, m.own_domain_cited)
        for m in match_mentions(extraction, BRANDS)
    ]
    # bands by offset / 161: 35 → .22 top, 66 → .41, 94 → .58, 117 → .73 middle, 141 → .88, 147 → .91 bottom
    assert rows == [
        ("Acme CRM", 35, 1, 1, "top", True, True),  # its marker follows "two seats."; it cites acme-crm.example
        ("Northwind", 66, 2, 2, "middle", False, False),
        ("Zeta", 94, 3, 1, "middle", False, False),
        ("Northwind", 117, 2, None, "middle", False, False),
        ("Acme CRM", 141, 1, None, "bottom", False, True),  # the link to apex.example is in the next sentence
        ("Apex", 147, 4, None, "bottom", True, False),  # the link starts at "Apex"
    ]
    acme = match_mentions(extraction, BRANDS)[0]
    assert acme.own_domain_in_sentence and acme.linked_or_cited and acme.ours


def test_matches_on_an_extracted_page() -> None:
    page = """<div id="markdown-content-0"><div class="prose">
<p>For startups, Northwind is popular.<span class="citation"
 data-pplx-citation-url="https://www.acme-crm.example/pricing"><a href="https://www.acme-crm.example/pricing">acme</a></span>
 Many teams also like Apexion.</p>
<ol><li><strong>Acme CRM</strong> – free for two seats.</li><li><strong>Apex</strong> – strong reports.</li></ol>
<p>I couldn't find reliable information about Zeta.</p>
</div></div>"""
    mentions = match_mentions(extract_html("perplexity", page), BRANDS)
    assert [(m.brand, m.rank, m.list_rank, m.cited_in_sentence, m.negative) for m in mentions] == [
        ("Northwind", 1, None, True, False),
        ("Acme CRM", 2, 1, False, False),
        ("Apex", 3, 2, False, False),
        ("Zeta", None, None, False, True),
    ]


def test_brand_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "brands.toml"
    path.write_text(
        '[[brand]]\nname = "Acme"\ndomains = ["https://WWW.Acme.example/pricing"]\nours = true\n\n'
        '[[brand]]\nname = "Loop"\ncase_sensitive = true\nrequire_context = ["CRM"]\n',
        encoding="utf-8",
    )
    brands = load_brands(path)
    assert [(b.name, b.domains, b.ours, b.case_sensitive) for b in brands.brand] == [
        ("Acme", ["acme.example"], True, False),
        ("Loop", [], False, True),
    ]
    # A campaign's `[brands] file = "…"` is read relative to the campaign.
    assert brands_from_table({"file": "brands.toml"}, origin="c.toml: brands", base_dir=tmp_path) == brands


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"brand": [{"name": "Acme", "colour": "red"}]}, "test: brand[1].colour: Extra inputs are not permitted"),
        ({"brand": [{"name": "Acme"}, {"name": "Bolt", "aliases": ["ACME"]}]}, "'acme' names both 'Acme' and 'Bolt'"),
        ({"brand": [{"name": "Acme", "aliases": [" "]}]}, "brand[1].aliases: Value error, names must not be blank"),
        ({"brand": [{"name": "Acme", "domains": ["localhost"]}]}, "brand[1].domains: Value error, not a domain"),
        ({"brand": []}, "test: brand: List should have at least 1 item"),
        ({"brands": []}, "test: brand: Field required"),
    ],
)
def test_brand_table_errors_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("[", r"\[")):
        brands_from_table(table, origin="test")


def test_brand_file_errors_name_the_line_and_count_from_one(tmp_path: Path) -> None:
    path = tmp_path / "brands.toml"
    path.write_text('[[brand]]\nname = "Acme"\n\n[[brand]]\nname = "Bolt"\naliases = [" "]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"brands\.toml: line 6, brand\[2\]\.aliases: Value error, names must"):
        load_brands(path)


def test_brand_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read brand file"):
        load_brands(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[brand]\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_brands(bad)
