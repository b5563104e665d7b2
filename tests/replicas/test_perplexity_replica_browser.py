"""The Perplexity replica in a real Chromium: a person asks, watches the answer stream, opens the Links tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from citewatch.replicas import serve

NOT_READY = re.compile(r"\bpointer-events-none\b")


@pytest.mark.browser
def test_ask_stream_cite_and_list_links(page: Page) -> None:
    with serve("perplexity", answer_seconds=1.0) as server:
        page.goto(f"{server.url}/")
        submit = page.locator('button[aria-label="Submit"]')
        expect(submit).to_have_class(NOT_READY)
        page.locator("#ask-input").click()
        page.keyboard.type("best CRM for SaaS startups")
        expect(submit).not_to_have_class(NOT_READY)
        submit.click()

        stop = page.locator('button[aria-label="Stop response"]')
        expect(stop).to_be_visible()
        expect(stop).to_have_count(0, timeout=30_000)
        expect(page).to_have_url(re.compile(r"/search/best-crm-for-saas-startups-[A-Za-z0-9]{22}$"))
        expect(page.locator('button[aria-label="Copy"]')).to_be_visible()
        expect(page.locator('div[role="alert"]')).to_have_count(0)

        prose = page.locator("div#markdown-content-0 > div div.prose")
        expect(prose.locator("h2")).to_have_count(3)
        expect(prose.locator("table tr")).to_have_count(5)
        chips = prose.locator('span.inline-flex[aria-label] > span.citation[data-pplx-citation-url^="https://"]')
        expect(chips).to_have_count(10)
        expect(chips.first.locator("a[href]")).to_have_attribute("href", "https://www.hubspot.com/startups")
        expect(chips.first).to_have_text(re.compile(r"^hubspot"))
        expect(page.locator("div.related div.text-base")).to_have_count(4)

        links = page.locator('div[role="tabpanel"][id$="-content-sources"]')
        expect(links).to_be_hidden()
        expect(links.locator("a[href]")).to_have_count(0)  # filled only once its tab is clicked
        page.locator('button[role="tab"][id$="-trigger-sources"] >> visible=true').click()
        expect(links).to_be_visible()
        expect(links.locator("div.group\\/source > a[href]")).to_have_count(8)
        expect(links.locator("div.line-clamp-2.font-medium").first).to_have_text(
            "HubSpot for Startups: discounted CRM software for early-stage companies"
        )
        assert server.requests.count("/rest/sse/perplexity_ask") == 1
