/* citewatch's Perplexity replica: the single-page app behind the local stand-in of www.perplexity.ai.
 *
 * Every element the scraper waits for or the extractor reads follows perplexity-dom.md (after engines.md §1
 * and the real captures): the composer (#ask-input, Submit), the stop button, the answer in
 * div#markdown-content-0 > div.prose with its citation chips, the Radix tabs and the Links panel, the "+N"
 * popovers and Related. Change one of them here and the scraper and the extractor must change too.
 * Vanilla JS, no build step: the server sends this file as it is.
 */
"use strict";

(() => {
  const ASK_URL = "/rest/sse/perplexity_ask"; // engines.md §1.3
  const FAILURE_TEXT = "Something went wrong. Please try again.";
  const CONSENT_COOKIE = "pplx_cookie_consent"; // the server stops showing the overlay once it is set
  const POPOVER_CLOSE_MS = 100; // as Radix hover cards: time for the mouse to cross from the chip to the popover
  const TABS = [
    ["default", "Answer", "M4 4h12v9H8l-4 3z"],
    ["sources", "Links", "M10 3a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM3 10h14M10 3c2 2 2.6 4.4 2.6 7S12 15 10 17c-2-2-2.6-4.4-2.6-7S8 5 10 3z"],
    ["images", "Images", "M3 4h14v12H3zM3 13l4-4 4 4 2-2 4 4"],
  ];

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (value) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  const icon = (path, size = 16) =>
    `<svg role="img" class="inline-flex shrink-0" width="${size}" height="${size}" viewBox="0 0 20 20" ` +
    `fill="none" stroke="currentColor" stroke-width="1.6"><path d="${path}"></path></svg>`;
  const favicon = (url) => `/favicons/${new URL(url).hostname}`;

  function element(markup) {
    const template = document.createElement("template");
    template.innerHTML = markup.trim();
    return template.content.firstElementChild;
  }

  function uuid4() {
    // crypto.randomUUID needs a secure context; a replica may be reached over plain http on a LAN address.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /* ---- markdown as Perplexity renders it (perplexity-dom.md "Answer") --------------------------------- */

  // Bold, inline link, inline code, or a run of citation markers ("[1][6]" is one chip: "site+1").
  const INLINE = /\*\*(.+?)\*\*|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)|`([^`]+)`|((?:\[\d+\])+)/g;
  const LIST_ITEM = /^\s*([-*]|\d+\.)\s+/;
  const HEADING = /^(#{2,3})\s+(.*)$/;

  function chipHtml(sources) {
    // The exact structure of a real chip (perplexity-dom.md; the Feb-2026 captures), with the first URL only.
    // A single chip ends with a zero-width space inside its wrapper; a "+N" chip does not (as captured).
    const [first] = sources;
    const url = esc(first.url);
    const grouped = sources.length > 1;
    const extra = grouped
      ? `<span class="inline-block ml-xs mr-px"><span class="opacity-50">+${sources.length - 1}</span></span>`
      : "";
    return (
      `<span class="citation-nbsp"></span><span class="inline-flex" aria-label="${esc(first.name)}" ` +
      `data-state="closed"><span class="citation inline" data-pplx-citation="" data-pplx-citation-url="${url}" ` +
      `rel="nofollow noopener"><a rel="noopener" class="inline-flex max-w-full min-w-0" target="_blank" ` +
      `href="${url}"><span class="relative -mt-px max-w-full min-w-0 whitespace-nowrap -top-px select-none">` +
      `<span class="text-3xs rounded-badge group min-w-4 max-w-full cursor-pointer text-center align-middle ` +
      `font-mono tabular-nums font-normal inline-flex items-center leading-snug bg-subtle">` +
      `<span class="inline-block relative max-w-[25ch] overflow-hidden">${esc(first.meta_data.citation_domain_name)}` +
      `</span>${extra}</span></span></a></span>${grouped ? "" : "\u200b"}</span>`
    );
  }

  function inlineHtml(text, sources, groups) {
    let html = "";
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      html += esc(text.slice(last, match.index));
      last = match.index + match[0].length;
      const [, bold, linkText, linkUrl, code, markers] = match;
      if (bold !== undefined) {
        html += `<strong>${inlineHtml(bold, sources, groups)}</strong>`;
      } else if (linkText !== undefined) {
        html +=
          `<a href="${esc(linkUrl)}" target="_blank" rel="nofollow noopener" ` +
          `class="reset interactable cursor-pointer underline-offset-1 text-super hover:underline">${esc(linkText)}</a>`;
      } else if (code !== undefined) {
        html += `<code>${esc(code)}</code>`;
      } else {
        const cited = Array.from(markers.matchAll(/\[(\d+)\]/g), (m) => sources[Number(m[1]) - 1]).filter(Boolean);
        if (cited.length) {
          groups.push(cited);
          html += chipHtml(cited);
        }
      }
    }
    return html + esc(text.slice(last));
  }

  function tableHtml(rows, inline) {
    const cells = (row) => row.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
    const [head, separator, ...body] = rows;
    const bodyRows = separator && /^[\s|:-]+$/.test(separator) ? body : [separator, ...body].filter(Boolean);
    const tr = (row, tag) => `<tr>${cells(row).map((c) => `<${tag}>${inline(c)}</${tag}>`).join("")}</tr>`;
    return (
      `<div class="group relative"><div class="w-full overflow-x-auto border-subtlest">` +
      `<table class="m-0 w-full table-auto border-collapse text-sm"><thead>${tr(head, "th")}</thead>` +
      `<tbody>${bodyRows.map((row) => tr(row, "td")).join("")}</tbody></table></div></div>`
    );
  }

  function renderMarkdown(text, sources) {
    const groups = []; // the sources behind each chip, in document order
    const inline = (s) => inlineHtml(s, sources, groups);
    const lines = text.split("\n");
    const isBlockStart = (line) => /^(```|\||#{2,3}\s)/.test(line) || LIST_ITEM.test(line);
    const out = [];
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      const heading = HEADING.exec(line);
      if (line.startsWith("```")) {
        const language = line.slice(3).trim();
        const code = [];
        for (i += 1; i < lines.length && !lines[i].startsWith("```"); i += 1) code.push(lines[i]);
        i += 1;
        out.push(
          `<pre class="not-prose w-full rounded font-mono text-sm"><code class="language-${esc(language || "text")}">` +
            `${esc(code.join("\n"))}</code></pre>`,
        );
      } else if (heading) {
        const tag = `h${heading[1].length}`;
        const id = heading[2].toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
        out.push(`<${tag} class="mb-2 mt-4 font-editorial font-bold text-base first:mt-0" id="${id}">${inline(heading[2])}</${tag}>`);
        i += 1;
      } else if (LIST_ITEM.test(line)) {
        const ordered = /^\s*\d+\./.test(line);
        const items = [];
        for (; i < lines.length && LIST_ITEM.test(lines[i]) && /^\s*\d+\./.test(lines[i]) === ordered; i += 1) {
          items.push(`<li class="py-0 my-0">${inline(lines[i].replace(LIST_ITEM, ""))}</li>`);
        }
        const [tag, style] = ordered ? ["ol", "list-decimal"] : ["ul", "list-disc"];
        out.push(`<${tag} class="marker:text-quiet ${style} pl-8">${items.join("")}</${tag}>`);
      } else if (line.startsWith("|")) {
        const rows = [];
        for (; i < lines.length && lines[i].startsWith("|"); i += 1) rows.push(lines[i]);
        out.push(tableHtml(rows, inline));
      } else if (!line.trim()) {
        i += 1;
      } else {
        const paragraph = [];
        for (; i < lines.length && lines[i].trim() && !isBlockStart(lines[i]); i += 1) paragraph.push(lines[i]);
        out.push(`<p class="my-2 [&amp;+p]:mt-4">${inline(paragraph.join(" "))}</p>`);
      }
    }
    return { html: out.join(""), groups };
  }

  /* ---- thread markup (perplexity-dom.md: tabs, answer, actions, Links panel, Related) ----------------- */

  function tabsHtml(rid) {
    // Radix renders each trigger twice: the real one and an invisible twin used to measure the tab bar
    // (engines.md §1.2: "a hidden duplicate lives inside .invisible"; the scraper clicks the visible one).
    const trigger = ([name, label, path], selected) =>
      `<button type="button" role="tab" aria-selected="${selected}" aria-controls="${rid}-content-${name}" ` +
      `data-state="${selected ? "active" : "inactive"}" id="${rid}-trigger-${name}" class="tab-trigger" ` +
      `tabindex="-1" data-orientation="horizontal" data-radix-collection-item="">${icon(path, 18)}${label}</button>`;
    const tabs = TABS.map(
      (tab, index) =>
        trigger(tab, index === 0) +
        `<div class="pointer-events-none invisible absolute left-[-9999px] top-0 inline-block" aria-hidden="true">` +
        `${trigger(tab, index === 0)}</div>`,
    );
    return (
      `<div class="thread-tabs"><div role="tablist" aria-orientation="horizontal" aria-label="Answer mode tabs" ` +
      `class="flex flex-row flex-nowrap gap-5 relative" tabindex="0" data-orientation="horizontal">` +
      `${tabs.join("")}</div></div>`
    );
  }

  function panelHtml(rid, name, content = "") {
    const active = name === "default";
    return (
      `<div data-state="${active ? "active" : "inactive"}" data-orientation="horizontal" role="tabpanel" ` +
      `aria-labelledby="${rid}-trigger-${name}"${active ? "" : ' hidden=""'} id="${rid}-content-${name}" ` +
      `tabindex="0" class="focus:outline-none">${content}</div>`
    );
  }

  function threadHtml(rid, query) {
    const answer =
      `<div class="flex flex-col gap-y-md">` +
      `<h1 class="query-title"><div class="query-bubble"><span class="select-text">${esc(query)}</span></div></h1>` +
      `<button type="button" class="sources-summary text-quiet text-sm">Searching the web…</button>` +
      `<div class="relative font-sans text-base text-foreground"><div class="min-w-0 break-words">` +
      `<div dir="auto" id="markdown-content-0" class="gap-y-md"><div class="has-inline-images my-2 first:mt-0">` +
      `<div><div><div class="prose dark:prose-invert inline leading-relaxed break-words min-w-0"></div></div></div>` +
      `</div></div></div></div><div class="answer-footer"></div></div>`;
    return tabsHtml(rid) + panelHtml(rid, "default", answer) + panelHtml(rid, "images") + panelHtml(rid, "sources");
  }

  function sourceEntryHtml(source) {
    return (
      `<div class="group/source"><a href="${esc(source.url)}" target="_blank" rel="noopener" ` +
      `class="flex flex-col gap-xs rounded-lg p-sm hover:bg-subtler"><div class="flex items-center gap-xs">` +
      `<img class="rounded-full" src="${favicon(source.url)}" alt="" width="16" height="16">` +
      `<span class="text-xs text-quiet line-clamp-1">${esc(source.meta_data.client)}</span></div>` +
      `<div class="line-clamp-2 font-medium text-sm">${esc(source.name)}</div>` +
      `<div class="line-clamp-3 text-xs text-quiet">${esc(source.snippet)}</div></a></div>`
    );
  }

  function actionsHtml(sources) {
    const button = (label, path) =>
      `<button aria-label="${label}" data-state="closed" type="button" class="icon-btn">${icon(path)}</button>`;
    const faces = sources
      .slice(0, 3)
      .map((s) => `<img class="rounded-full" alt="${esc(new URL(s.url).hostname)} favicon" src="${favicon(s.url)}" width="14" height="14">`)
      .join("");
    const count = sources.length
      ? `<button type="button" class="sources-count text-quiet text-sm">${faces}${sources.length} sources</button>`
      : "";
    return (
      `<div class="answer-actions flex items-center justify-between"><div class="flex items-center gap-xs">` +
      button("Share", "M10 3v10M6 7l4-4 4 4M4 12v4h12v-4") +
      button("Download", "M10 3v10M6 9l4 4 4-4M4 16h12") +
      button("Copy", "M7 7h9v9H7zM4 13V4h9") +
      button("Rewrite", "M4 10a6 6 0 0 1 10.5-4M16 10a6 6 0 0 1-10.5 4M14 3v3h-3M6 17v-3h3") +
      `${count}</div><div class="flex items-center gap-xs">` +
      button("Helpful", "M6 9v8H3V9zM6 9l3-6c1.5 0 2 1 2 2v3h4.5l-1.5 9H6") +
      button("Not helpful", "M14 11V3h3v8zM14 11l-3 6c-1.5 0-2-1-2-2v-3H4.5L6 3h8") +
      button("More actions", "M5 10h.01M10 10h.01M15 10h.01") +
      `</div></div>`
    );
  }

  function relatedHtml(questions) {
    const rows = questions
      .map(
        (q) =>
          `<div class="group flex cursor-pointer items-center justify-between py-sm"><div class="text-base">${esc(q)}</div>` +
          `${icon("M10 4v12M4 10h12")}</div>`,
      )
      .join("");
    return (
      `<div class="related mt-lg"><div class="flex items-center gap-x-sm">${icon("M4 5h12M4 10h12M4 15h8", 18)}` +
      `<span>Related</span></div><div class="divide-y">${rows}</div></div>`
    );
  }

  function popoverHtml(sources) {
    const entries = sources
      .map(
        (s) =>
          `<a href="${esc(s.url)}" target="_blank" rel="noopener" class="popover-source">` +
          `<div class="flex items-center gap-xs"><img class="rounded-full" src="${favicon(s.url)}" alt="" width="14" height="14">` +
          `<span class="text-xs text-quiet">${esc(s.meta_data.client)}</span></div>` +
          `<div class="font-medium text-sm line-clamp-2">${esc(s.name)}</div>` +
          `<div class="text-xs text-quiet line-clamp-2">${esc(s.snippet)}</div></a>`,
      )
      .join("");
    return (
      `<div data-radix-popper-content-wrapper="" dir="ltr" style="position: fixed; left: 0px; top: 0px; ` +
      `min-width: max-content; z-index: 50;"><div data-side="bottom" data-align="start" data-state="delayed-open" ` +
      `class="citation-popover"><div class="popover-head"><span class="text-xs text-quiet">Sources</span>` +
      `<span class="text-xs text-quiet tabular-nums">1/${sources.length}</span></div>` +
      `<div class="popover-list">${entries}</div></div></div>`
    );
  }

  const STOP_BUTTON =
    `<button type="button" aria-label="Stop response" class="submit-btn stop-btn rounded-lg">` +
    `<svg width="14" height="14" viewBox="0 0 14 14"><rect x="2" y="2" width="10" height="10" rx="2" fill="currentColor"></rect></svg>` +
    `</button>`;

  const SIGN_IN_DIALOG =
    `<div class="dialog-layer"><div class="dialog-overlay" data-state="open"></div>` +
    `<div role="dialog" aria-modal="true" aria-labelledby="sign-in-title" data-state="open" class="sign-in-dialog">` +
    `<button type="button" aria-label="Close" class="icon-btn dialog-close">${icon("M5 5l10 10M15 5 5 15")}</button>` +
    `<h2 id="sign-in-title" class="dialog-title">Sign in or create an account</h2>` +
    `<p class="text-quiet text-sm">Unlock Pro Search and keep your thread history.</p>` +
    `<div class="dialog-buttons"><button type="button" class="btn btn-outline">Continue with Google</button>` +
    `<button type="button" class="btn btn-outline">Continue with Apple</button>` +
    `<input type="email" class="dialog-email" placeholder="henry@example.com" aria-label="Email">` +
    `<button type="button" class="btn btn-super">Continue with email</button></div></div></div>`;

  /* ---- the page ---------------------------------------------------------------------------------------- */

  const main = $("#main");
  const threadRoot = $("#thread");
  const input = $("#ask-input");
  const placeholder = $(".composer-placeholder");
  const slot = $(".submit-slot");
  const submit = $('button[aria-label="Submit"]');
  const chipSources = new WeakMap(); // chip wrapper -> the sources behind it (for the "+N" popover)
  let radixCount = 0;
  let running = null; // the AbortController of the answer being streamed

  const promptText = () => input.innerText.replace(/\u00a0/g, " ").trim();

  function syncComposer() {
    const empty = !promptText();
    submit.classList.toggle("pointer-events-none", empty);
    submit.classList.toggle("opacity-50", empty);
    placeholder.hidden = !empty;
  }

  function clearComposer() {
    input.innerHTML = '<p dir="auto"><br></p>';
    syncComposer();
  }

  function setGenerating(controller) {
    if (controller) {
      const stop = element(STOP_BUTTON);
      stop.addEventListener("click", () => controller.abort());
      slot.replaceChildren(stop);
    } else {
      slot.replaceChildren(submit);
      syncComposer();
    }
  }

  function showSignIn() {
    const layer = element(SIGN_IN_DIALOG);
    $(".dialog-close", layer).addEventListener("click", () => layer.remove());
    document.body.append(layer);
  }

  class Thread {
    constructor(query) {
      radixCount += 1;
      this.rid = `radix-:r${radixCount}:`;
      this.sources = [];
      this.related = [];
      this.pushed = false;
      threadRoot.innerHTML = threadHtml(this.rid, query);
      threadRoot.hidden = false;
      main.dataset.view = "thread";
      input.setAttribute("aria-placeholder", "Ask a follow-up");
      placeholder.textContent = "Ask a follow-up";
      document.title = `${query} | Perplexity`;
      this.prose = $(".prose", threadRoot);
      this.summary = $(".sources-summary", threadRoot);
      this.footer = $(".answer-footer", threadRoot);
      $('[role="tablist"]', threadRoot).addEventListener("click", (event) => {
        const tab = event.target.closest('[role="tab"]');
        if (tab) this.select(tab.id.slice(`${this.rid}-trigger-`.length));
      });
    }

    update(payload) {
      if (!this.pushed && payload.thread_url_slug) {
        history.pushState({}, "", `/search/${payload.thread_url_slug}`);
        this.pushed = true;
      }
      this.sources = payload.web_results || [];
      this.related = payload.related_queries || [];
      this.summary.textContent = this.sources.length ? `Reviewed ${this.sources.length} sources` : "Answering";
      closePopover();
      const { html, groups } = renderMarkdown(payload.text || "", this.sources);
      this.prose.innerHTML = html;
      $$("span.citation", this.prose).forEach((citation, index) => chipSources.set(citation.parentElement, groups[index]));
    }

    finish() {
      this.footer.insertAdjacentHTML("beforeend", actionsHtml(this.sources));
      $('button[aria-label="Copy"]', this.footer).addEventListener("click", () =>
        navigator.clipboard?.writeText(this.prose.innerText).catch(() => {}),
      );
      if (this.related.length) {
        const related = element(relatedHtml(this.related));
        related.addEventListener("click", (event) => {
          const row = event.target.closest(".group");
          if (row) ask($(".text-base", row).textContent);
        });
        this.footer.append(related);
      }
    }

    fail() {
      if (!this.sources.length) this.summary.remove(); // nothing arrived: no "Searching" forever
      this.footer.insertAdjacentHTML(
        "beforeend",
        `<div role="alert" class="answer-error">${icon("M10 3 2 17h16zM10 8v4M10 14.5v.01")}${FAILURE_TEXT}</div>`,
      );
    }

    select(name) {
      // Radix tabs: one active trigger (and its twin), one visible panel; the others stay in the DOM, hidden.
      for (const tab of $$('[role="tab"]', threadRoot)) {
        const active = tab.id === `${this.rid}-trigger-${name}`;
        tab.setAttribute("aria-selected", String(active));
        tab.dataset.state = active ? "active" : "inactive";
      }
      for (const panel of $$('[role="tabpanel"]', threadRoot)) {
        const active = panel.id === `${this.rid}-content-${name}`;
        panel.hidden = !active;
        panel.dataset.state = active ? "active" : "inactive";
        if (active && name === "sources") {
          // Filled only when opened, like the real Links tab: a DOM saved without the click has no list.
          panel.innerHTML = this.sources.length
            ? `<div class="sources-list flex flex-col gap-sm">${this.sources.map(sourceEntryHtml).join("")}</div>`
            : "";
        }
      }
    }
  }

  async function readStream(response, onMessage) {
    // "completed" only with the COMPLETED message and then end_of_stream; a stream that just closes is broken.
    let completed = false;
    try {
      for await (const event of replicaEvents(response)) {
        if (event.name === "end_of_stream") return completed ? "completed" : "broken";
        if (event.name === "message") {
          const payload = JSON.parse(event.data);
          onMessage(payload);
          completed = payload.status === "COMPLETED";
        }
      }
      return "broken";
    } catch (error) {
      return error.name === "AbortError" ? "stopped" : "broken";
    }
  }

  async function ask(query) {
    if (!query || running) return;
    const controller = new AbortController();
    running = controller;
    clearComposer();
    let response = null;
    try {
      response = await fetch(ASK_URL, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query_str: query, frontend_uuid: uuid4() }),
        signal: controller.signal,
      });
    } catch {
      response = null;
    }
    try {
      if (response?.status === 401) {
        showSignIn(); // a logged-out visitor who must sign in to ask: no thread opens
        return;
      }
      const thread = new Thread(query);
      if (!response?.ok) {
        thread.fail();
        return;
      }
      setGenerating(controller);
      const outcome = await readStream(response, (payload) => thread.update(payload));
      setGenerating(null);
      if (outcome === "broken") thread.fail();
      else thread.finish(); // completed, or stopped by the user: what was written stays
    } finally {
      running = null;
    }
  }

  /* ---- "+N" chip popovers: hover opens, leaving closes (perplexity-dom.md "Grouped chip") -------------- */

  let popover = null;
  let openChip = null;
  let closeTimer = 0;

  function closePopover() {
    clearTimeout(closeTimer);
    popover?.remove();
    if (openChip) openChip.dataset.state = "closed";
    popover = openChip = null;
  }

  function openPopover(chip, sources) {
    closePopover();
    popover = element(popoverHtml(sources));
    const box = chip.getBoundingClientRect();
    popover.style.transform = `translate(${Math.round(box.left)}px, ${Math.round(box.bottom + 6)}px)`;
    document.body.append(popover);
    chip.dataset.state = "open";
    openChip = chip;
  }

  function chipOf(node) {
    // The chip wrapper is the span.inline-flex around span.citation; inner spans are inline-flex too.
    for (let current = node; current instanceof Element; current = current.parentElement) {
      if (chipSources.has(current)) return current;
    }
    return null;
  }

  document.addEventListener("mouseover", (event) => {
    if (popover?.contains(event.target)) {
      clearTimeout(closeTimer);
      return;
    }
    const chip = chipOf(event.target);
    const sources = chip && chipSources.get(chip);
    if (sources?.length > 1) {
      clearTimeout(closeTimer);
      if (chip !== openChip) openPopover(chip, sources);
    }
  });

  document.addEventListener("mouseout", (event) => {
    if (!openChip) return;
    const inside = (node) => node && (openChip.contains(node) || popover.contains(node));
    if (inside(event.target) && !inside(event.relatedTarget)) {
      clearTimeout(closeTimer);
      closeTimer = setTimeout(closePopover, POPOVER_CLOSE_MS);
    }
  });

  /* ---- wiring ------------------------------------------------------------------------------------------- */

  input.addEventListener("input", syncComposer);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(promptText());
    }
  });
  submit.addEventListener("click", () => ask(promptText()));
  window.addEventListener("popstate", () => location.reload());

  $("#cookie-consent")?.addEventListener("click", (event) => {
    const choice = event.target.closest("button[data-consent]");
    if (!choice) return;
    document.cookie = `${CONSENT_COOKIE}=${choice.dataset.consent}; path=/; max-age=31536000; SameSite=Lax`;
    $("#cookie-consent").remove();
  });

  syncComposer();
})();
