"""Brand matching: aliases, word boundaries, case, rank, list rank, bands, citations, absence contexts."""

from __future__ import annotations

from citewatch.analysis.brands import BrandSet, match_mentions
from citewatch.extract import extract_html

BRANDS = BrandSet.model_validate(
    {
        "brand": [
            {"name": "Acme CRM", "aliases": ["Acme"], "domains": ["acme-crm.example"], "ours": True},
            {"name": "Apex", "case_sensitive": True},
            {"name": "Northwind"},
            {"name": "Zeta"},
        ]
    }
)
PAGE = """<div id="markdown-content-0"><div class="prose">
<p>For startups, Northwind is popular and apex performance matters.<span class="citation"
 data-pplx-citation-url="https://www.acme-crm.example/pricing"><a href="https://www.acme-crm.example/pricing">acme</a></span>
 Many teams also like Apexion.</p>
<ol><li><strong>Acme CRM</strong> – free for two seats.</li><li><strong>Apex</strong> – strong reports.</li></ol>
<p>I couldn't find reliable information about Zeta. Acme is cheaper than Northwind.</p>
</div></div>"""


def mentions():
    return match_mentions(extract_html("perplexity", PAGE), BRANDS)


def test_names_aliases_and_word_boundaries() -> None:
    found = [(m.brand, m.alias) for m in mentions()]
    assert found == [
        ("Northwind", "Northwind"),  # "apex performance" is lower case: Apex requires its case
        ("Acme CRM", "Acme CRM"),
        ("Apex", "Apex"),  # "Apexion" is another word
        ("Zeta", "Zeta"),
        ("Acme CRM", "Acme"),
        ("Northwind", "Northwind"),
    ]


def test_rank_list_rank_band_and_citations() -> None:
    northwind, acme, apex, zeta, acme_again, _ = mentions()
    assert (northwind.rank, acme.rank, apex.rank, zeta.rank, acme_again.rank) == (1, 2, 3, 4, 2)
    assert (acme.list_rank, apex.list_rank, northwind.list_rank) == (1, 2, None)
    assert northwind.band == "top" and zeta.band == "bottom"
    assert northwind.cited_in_sentence and not apex.cited_in_sentence
    assert acme.own_domain_cited and acme.ours and not northwind.own_domain_cited


def test_absence_is_not_a_recommendation() -> None:
    by_alias = {(m.alias, m.char_start): m.negative for m in mentions()}
    assert [neg for (alias, _), neg in by_alias.items() if alias == "Zeta"] == [True]
    assert not any(neg for (alias, _), neg in by_alias.items() if alias != "Zeta")
