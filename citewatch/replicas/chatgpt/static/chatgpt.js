/* citewatch's ChatGPT replica: the single-page app behind the local stand-in of chatgpt.com.
 *
 * Every element the scraper waits for or the extractor reads follows engines.md §2 and the real saved
 * conversation: the composer (div#prompt-textarea logged in, textarea#mobile-composer-prompt logged out), the
 * submit slot (voice / send-button / stop-button), the turns (article[data-turn] > [data-message-author-role]
 * > div.markdown, whose id is `request-placeholder-*` until the real message arrives and whose class is
 * result-thinking, then streaming-animation), the citation pills and their hover cards paged "1/N", the news
 * carousel (div[data-testid=nav-list-widget], a track of snap-start cards: favicon and site, headline, date), the copy
 * button of a finished turn, the error line, the login and cookie dialogs. Change one of them here and the
 * scraper and the extractor must change too. Vanilla JS, no build step: the server sends this file as it is.
 */
"use strict";

(() => {
  const LOGGED_IN = document.body.dataset.variant === "logged-in";
  const CONVERSATION_URL = document.body.dataset.conversationUrl;
  const CONSENT_COOKIE = "oai-allow-ne"; // the server stops showing the banner once it is set
  const CARD_CLOSE_MS = 100; // time for the mouse to cross from the pill to its hover card
  const FAILURE_TEXT =
    "Something went wrong while generating the response. If this issue persists please contact us through our help center.";
  const BLOCKED_TEXT = "Unusual activity has been detected from your device. Try again later.";
  const icon = (path) =>
    `<svg width="20" height="20" viewBox="0 0 20 20" fill="none" stroke="currentColor" stroke-width="1.6" ` +
    `aria-hidden="true" class="icon"><path d="${path}"></path></svg>`;
  const ICONS = {
    copy: icon("M7 7h9v9H7zM4 13V4h9"),
    good: icon("M6 9v8H3V9zM6 9l3-6c1.5 0 2 1 2 2v3h4.5l-1.5 9H6"),
    bad: icon("M14 11V3h3v8zM14 11l-3 6c-1.5 0-2-1-2-2v-3H4.5L6 3h8"),
    voice: icon("M4 8v4M7 5v10M10 7v6M13 4v12M16 8v4"),
    link: icon("M8 5H5v10h10v-3M11 4h5v5M16 4l-7 7"),
    search: icon("M9 15A6 6 0 1 0 9 3a6 6 0 0 0 0 12zM13.5 13.5 17 17"),
  };

  const $ = (selector, root = document) => root.querySelector(selector);
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (value) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);

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

  function withUtm(url) {
    // engines.md §2.2: every link ChatGPT shows carries utm_source=chatgpt.com.
    const parsed = new URL(url);
    if (!parsed.searchParams.has("utm_source")) parsed.searchParams.append("utm_source", "chatgpt.com");
    return parsed.toString();
  }

  const hostLabel = (url) => new URL(url).hostname.replace(/^www\./, "");

  /* ---- the delta-encoded stream (engines.md §2.3) -------------------------------------------------------- */

  class Patcher {
    // Messages rebuilt from {"p", "o", "v"} operations; a bare {"v"} continues the last path, "patch" batches.
    constructor() {
      this.documents = new Map();
      this.current = null;
      this.path = "";
      this.op = "append";
    }

    event(data) {
      if (!data || typeof data !== "object") return;
      if (data.message) return this.start(data);
      if (!("v" in data) && !("o" in data)) return;
      if (!("p" in data) && !("o" in data)) {
        if (data.v && typeof data.v === "object" && data.v.message) return this.start(data.v);
        return this.apply(this.path, this.op, data.v);
      }
      this.operation(data);
    }

    operation(data) {
      const path = data.p || "";
      const op = data.o || "append";
      if (op === "patch" && Array.isArray(data.v)) return data.v.forEach((item) => this.operation(item));
      if (!path && data.v && data.v.message) return this.start(data.v);
      this.path = path;
      this.op = op;
      this.apply(path, op, data.v);
    }

    start(document_) {
      this.documents.set(document_.message.id || String(this.documents.size), document_);
      this.current = document_;
    }

    apply(path, op, value) {
      if (!this.current || !path) return;
      const keys = path.split("/").slice(1);
      let parent = this.current;
      for (const key of keys.slice(0, -1)) {
        if (parent[key] === undefined) parent[key] = {};
        parent = parent[key];
      }
      const last = keys[keys.length - 1];
      const slot = Array.isArray(parent) && last === "-" ? parent.length : last;
      const existing = parent[slot];
      if (op === "append" && typeof existing === "string") parent[slot] = existing + value;
      else if (op === "append" && Array.isArray(existing)) parent[slot] = existing.concat(value);
      else if (op === "append" && existing && typeof existing === "object") parent[slot] = { ...existing, ...value };
      else parent[slot] = value;
    }

    messages() {
      return Array.from(this.documents.values(), (d) => d.message);
    }
  }

  async function readStream(response, onEvent) {
    // "completed" needs message_stream_complete or [DONE]; a stream that just closes is broken.
    let completed = false;
    try {
      for await (const { data } of replicaEvents(response)) {
        if (!data) continue;
        if (data === "[DONE]") return "completed";
        const payload = JSON.parse(data);
        if (payload && payload.type === "message_stream_complete") completed = true;
        onEvent(payload);
      }
      return completed ? "completed" : "broken";
    } catch (error) {
      return error.name === "AbortError" ? "stopped" : "broken";
    }
  }

  /* ---- markdown as ChatGPT renders it ------------------------------------------------------------------- */

  // Bold, inline link, inline code, or a citation marker (engines.md §2.3: `\ue200cite\ue202turn0search3\ue201`).
  const INLINE = /\*\*(.+?)\*\*|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)|`([^`]+)`|(\ue200cite(?:\ue202turn\d+\w+?\d+)+\ue201)/g;
  const LIST_ITEM = /^\s*([-*]|\d+\.)\s+/;
  // A news carousel on a line of its own (engines.md §2.3: `\ue200navlist\ue202<title>\ue202turn0news1,…\ue201`).
  const NAVLIST = /^\ue200navlist\ue202([^\ue202]*)\ue202([^\ue201]*)\ue201$/;
  const SHORT_DATE = { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" };
  const HEADING = /^(#{1,3})\s+(.*)$/;

  function pillHtml(sources) {
    // The exact structure of a real pill (engines.md §2.2; the saved conversation), showing its first source.
    const [first] = sources;
    const url = esc(withUtm(first.url));
    const extra = sources.length > 1
      ? `<span class="-me-1 ms-1 shrink-0 text-token-text-tertiary">+${sources.length - 1}</span>`
      : "";
    return (
      `<span class="" data-state="closed"><span class="ms-1 inline-flex max-w-full items-center select-none relative ` +
      `top-[-0.094rem] animate-[show_150ms_ease-in]" data-testid="webpage-citation-pill"><a href="${url}" ` +
      `target="_blank" rel="noopener" alt="${url}" class="flex h-4.5 overflow-hidden rounded-xl px-2 text-[9px] ` +
      `font-medium transition-colors duration-150 ease-in-out text-token-text-secondary! bg-[#F4F4F4]!">` +
      `<span class="relative start-0 bottom-0 flex h-full w-full items-center"><span class="flex h-4 w-full ` +
      `items-center justify-between overflow-hidden" style="opacity: 1; transform: none"><span class="max-w-[15ch] ` +
      `grow truncate overflow-hidden text-center">${esc(hostLabel(first.url))}</span>${extra}</span></span></a></span></span>`
    );
  }

  function carouselCard(source) {
    // The structure of a real nav-list card: one link holding the thumbnail, the site line, the headline, the date.
    const url = esc(withUtm(source.url));
    const date = source.pub_date ? new Date(source.pub_date * 1000).toLocaleDateString("en-US", SHORT_DATE) : "";
    return (
      `<div class="shrink-0 snap-start basis-[calc((100%-2rem)/3)] carousel-card"><div class="h-full w-full ` +
      `bg-token-bg-primary cursor-pointer border-token-border-default border rounded-xl overflow-hidden">` +
      `<a href="${url}" class="flex flex-col items-center gap-4 overflow-hidden pb-6" target="_blank" rel="noopener" ` +
      `alt="${url}"><div class="relative h-36 w-full overflow-hidden carousel-thumb"></div>` +
      `<div class="flex flex-col gap-2 overflow-hidden px-4 text-ellipsis"><div class="text-token-text-primary flex ` +
      `items-center gap-1.5 text-xs"><div class="relative inline-block shrink-0"><img src="/static/favicon.svg?domain=` +
      `${esc(hostLabel(source.url))}" class="icon-xs my-0 rounded-full" width="16" height="16" alt=""></div>` +
      `${esc(source.attribution || hostLabel(source.url))}</div><div class="text-token-text-primary decoration-token-link ` +
      `line-clamp-5 text-sm font-medium">${esc(source.title)}</div><div class="text-token-text-secondary text-xs">` +
      `${esc(date)}</div></div></a></div></div>`
    );
  }

  function carouselHtml(refs, results) {
    const cards = Array.from(refs.matchAll(/turn(\d+)(\w+?)(\d+)/g), (m) => results.get(Number(m[3]))).filter(Boolean);
    if (!cards.length) return "";
    return (
      `<div class="mb-1 mt-6" data-testid="nav-list-widget"><div class="relative"><div class="flex flex-row gap-4 py-2 ` +
      `carousel-track">${cards.map(carouselCard).join("")}</div></div></div>`
    );
  }

  function inlineHtml(text, results, pills) {
    let html = "";
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      html += esc(text.slice(last, match.index));
      last = match.index + match[0].length;
      const [, bold, linkText, linkUrl, code, marker] = match;
      if (bold !== undefined) {
        html += `<strong>${inlineHtml(bold, results, pills)}</strong>`;
      } else if (linkText !== undefined) {
        html +=
          `<a href="${esc(withUtm(linkUrl))}" target="_blank" rel="noopener" class="decorated-link cursor-pointer">` +
          `${esc(linkText)}<span aria-hidden="true" class="ms-0.5 inline-block align-middle leading-none">${ICONS.link}</span></a>`;
      } else if (code !== undefined) {
        html += `<code>${esc(code)}</code>`;
      } else if (marker !== undefined) {
        const refs = Array.from(marker.matchAll(/turn(\d+)(\w+?)(\d+)/g), (m) => results.get(Number(m[3])));
        const sources = refs.filter(Boolean);
        if (sources.length) {
          pills.push(sources);
          html += pillHtml(sources);
        }
      }
    }
    return html + esc(text.slice(last));
  }

  function renderMarkdown(text, results) {
    const pills = []; // the sources behind each pill, in document order
    const inline = (s) => inlineHtml(s, results, pills);
    const lines = text.split("\n");
    const isBlockStart = (line) => HEADING.test(line) || LIST_ITEM.test(line);
    const out = [];
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      const heading = HEADING.exec(line);
      const carousel = NAVLIST.exec(line.trim());
      if (carousel) {
        out.push(carouselHtml(carousel[2], results));
        i += 1;
      } else if (heading) {
        out.push(`<h${heading[1].length + 1}>${inline(heading[2])}</h${heading[1].length + 1}>`);
        i += 1;
      } else if (LIST_ITEM.test(line)) {
        const ordered = /^\s*\d+\./.test(line);
        const items = [];
        for (; i < lines.length && LIST_ITEM.test(lines[i]) && /^\s*\d+\./.test(lines[i]) === ordered; i += 1) {
          items.push(`<li><p>${inline(lines[i].replace(LIST_ITEM, ""))}</p></li>`);
        }
        const tag = ordered ? "ol" : "ul";
        out.push(`<${tag}>${items.join("")}</${tag}>`);
      } else if (!line.trim()) {
        i += 1;
      } else {
        const paragraph = [];
        for (; i < lines.length && lines[i].trim() && !isBlockStart(lines[i]); i += 1) paragraph.push(lines[i]);
        out.push(`<p>${inline(paragraph.join(" "))}</p>`);
      }
    }
    return { html: out.join(""), pills };
  }

  /* ---- turns ------------------------------------------------------------------------------------------------ */

  const turns = $("#turns");
  let turnCount = 0;

  function actionButton(testid, label, glyph) {
    // Logged out, the buttons have no data-testid (engines.md §2.2: "almost no data-testid").
    const id = LOGGED_IN && testid ? ` data-testid="${testid}"` : "";
    return `<button class="turn-action rounded-lg" aria-label="${label}" aria-pressed="false"${id} data-state="closed">${glyph}</button>`;
  }

  function turnShell(role, inner, actions) {
    turnCount += 1;
    const id = uuid4();
    if (!LOGGED_IN) {
      return element(
        `<div class="x${role === "user" ? "u7t2k9" : "a3p8w1"} turn" data-turn="${role}">${inner}` +
          `<div class="xq4r5t6 turn-actions">${actions}</div></div>`,
      );
    }
    const heading = role === "user" ? '<h5 class="sr-only">You said:</h5>' : '<h6 class="sr-only">ChatGPT said:</h6>';
    return element(
      `<article class="text-token-text-primary w-full focus:outline-none turn" tabindex="-1" dir="auto" data-turn-id="${id}" ` +
        `data-testid="conversation-turn-${turnCount}" data-scroll-anchor="false" data-turn="${role}">${heading}` +
        `<div class="text-base my-auto mx-auto"><div tabindex="-1" class="mx-auto flex-1 group/turn-messages relative flex w-full min-w-0 flex-col">` +
        `<div class="flex max-w-full flex-col grow">${inner}</div><div class="z-0 flex turn-actions">${actions}</div></div></div></article>`,
    );
  }

  function userTurn(text) {
    const message =
      `<div data-message-author-role="user" data-message-id="${uuid4()}" dir="auto" class="min-h-8 text-message user-message">` +
      `<div class="user-message-bubble-color rounded-[18px] px-4 py-1.5"><div class="whitespace-pre-wrap">${esc(text)}</div></div></div>`;
    return turnShell("user", message, actionButton("copy-turn-action-button", "Copy", ICONS.copy));
  }

  class AssistantTurn {
    constructor() {
      const message =
        `<div data-message-author-role="assistant" data-message-id="request-placeholder-${uuid4()}" dir="auto" ` +
        `data-message-model-slug="gpt-5-2" class="min-h-8 text-message assistant-message">` +
        `<div class="flex w-full flex-col gap-1 empty:hidden first:pt-[1px]">` +
        `<div class="thinking-status text-token-text-secondary">Thinking</div>` +
        `<div class="markdown prose dark:prose-invert w-full wrap-break-word light markdown-new-styling result-thinking"></div>` +
        `</div></div>`;
      this.root = turnShell("assistant", message, "");
      this.message = $("[data-message-author-role]", this.root);
      this.markdown = $(".markdown", this.root);
      this.status = $(".thinking-status", this.root);
      this.actions = $(".turn-actions", this.root);
      this.text = "";
    }

    update(messages) {
      const results = new Map();
      let searching = false;
      let answer = null;
      for (const message of messages) {
        const metadata = message.metadata || {};
        if (metadata.search_model_queries) searching = true;
        for (const group of metadata.search_result_groups || []) {
          for (const entry of group.entries || []) results.set(entry.ref_id.ref_index, entry);
        }
        if (message.author.role === "assistant" && message.content.content_type === "text") answer = message;
      }
      if (searching && !answer) this.status.textContent = results.size ? `Searching ${results.size} sites` : "Searching the web";
      if (!answer) return;
      if (this.message.dataset.messageId.startsWith("request-placeholder-")) {
        this.message.dataset.messageId = answer.id;
        this.status.remove();
        this.markdown.classList.replace("result-thinking", "streaming-animation");
      }
      const text = answer.content.parts[0] || "";
      if (text !== this.text) {
        this.text = text;
        closeCard();
        const { html, pills } = renderMarkdown(text, results);
        this.markdown.innerHTML = html;
        this.markdown.querySelectorAll('[data-testid="webpage-citation-pill"]').forEach((pill, index) => {
          pillSources.set(pill.parentElement, pills[index]);
        });
      }
    }

    finish() {
      this.markdown.classList.remove("streaming-animation");
      this.actions.innerHTML =
        actionButton("copy-turn-action-button", "Copy", ICONS.copy) +
        actionButton("good-response-turn-action-button", "Good response", ICONS.good) +
        actionButton("bad-response-turn-action-button", "Bad response", ICONS.bad);
      this.actions.firstElementChild.addEventListener("click", () =>
        navigator.clipboard?.writeText(this.markdown.innerText).catch(() => {}),
      );
    }

    fail(text) {
      // The error line and Retry sit in the message, outside the answer (CloakGPT's reply-notice detection).
      this.markdown.classList.remove("streaming-animation", "result-thinking");
      this.status.remove();
      const column = this.markdown.parentElement;
      column.insertAdjacentHTML(
        "beforeend",
        `<div class="text-token-text-error border-token-border-error rounded-xl border px-3 py-2 text-sm">${esc(text)}</div>` +
          `<button class="btn relative btn-secondary retry" data-testid="regenerate-thread-error-button">Retry</button>`,
      );
    }
  }

  /* ---- composer ------------------------------------------------------------------------------------------- */

  const input = LOGGED_IN ? $("#prompt-textarea") : $("#mobile-composer-prompt");
  const slot = $(".submit-slot");
  const pillsSlot = $(".composer-pills");
  let running = null; // the AbortController of the answer being streamed

  const promptText = () => (LOGGED_IN ? input.innerText : input.value).replace(/\u00a0/g, " ").trim();

  const SLOT = LOGGED_IN
    ? {
        idle: `<button type="button" data-testid="composer-speech-button" aria-label="Start voice mode" class="composer-round composer-secondary">${ICONS.voice}</button>`,
        typed: `<button type="button" id="composer-submit-button" aria-label="Send prompt" data-testid="send-button" class="composer-round composer-submit">↑</button>`,
        stop: `<button type="button" id="composer-submit-button" aria-label="Stop answering" data-testid="stop-button" class="composer-round composer-submit">■</button>`,
      }
    : {
        idle: `<button type="button" class="x5d6f7g composer-round composer-submit" aria-label="Send prompt" data-testid="fruitjuice-send-button" disabled>↑</button>`,
        typed: `<button type="button" class="x5d6f7g composer-round composer-submit" aria-label="Send prompt" data-testid="fruitjuice-send-button">↑</button>`,
        stop: `<button type="button" class="x8h9j0k composer-round composer-submit" aria-label="Stop answering">■</button>`,
      };

  function setSlot(state) {
    const button = element(SLOT[state]);
    if (state === "typed") button.addEventListener("click", () => send(promptText()));
    if (state === "stop") button.addEventListener("click", () => running?.abort());
    slot.replaceChildren(button);
  }

  function syncComposer() {
    if (running) return;
    if (LOGGED_IN) {
      // ProseMirror: "/search" and a space turn into the Search pill (engines.md §2.2 web-search pill).
      const raw = input.innerText.replace(/\u00a0/g, " ");
      if (/^\/search\s/.test(raw)) {
        input.innerHTML = `<p>${esc(raw.replace(/^\/search\s+/, "")) || '<br class="ProseMirror-trailingBreak">'}</p>`;
        setSearchPill(true);
      }
      const first = input.firstElementChild;
      if (first) first.classList.toggle("placeholder", !promptText());
    }
    setSlot(promptText() ? "typed" : "idle");
  }

  function setSearchPill(on) {
    if (!pillsSlot) return;
    pillsSlot.replaceChildren();
    if (!on) return;
    const pill = element(
      `<button type="button" class="__composer-pill group" aria-label="Search, click to remove">${ICONS.search}<span>Search</span></button>`,
    );
    pill.addEventListener("click", () => setSearchPill(false));
    pillsSlot.append(pill);
  }

  function searchOn() {
    if (pillsSlot?.firstElementChild) return true;
    return $('[data-testid="composer-button-search"]')?.getAttribute("aria-pressed") === "true";
  }

  function clearComposer() {
    if (LOGGED_IN) input.innerHTML = '<p data-placeholder="Ask anything" class="placeholder"><br class="ProseMirror-trailingBreak"></p>';
    else input.value = "";
  }

  /* ---- asking ------------------------------------------------------------------------------------------------ */

  async function send(text) {
    if (!text || running) return;
    const controller = new AbortController();
    running = controller;
    const search = searchOn();
    clearComposer();
    setSearchPill(false);
    document.body.dataset.view = "thread";
    turns.append(userTurn(text));
    const turn = new AssistantTurn();
    turns.append(turn.root);
    setSlot("stop");
    try {
      await answer(text, search, turn, controller);
    } finally {
      running = null;
      syncComposer();
    }
  }

  async function answer(text, search, turn, controller) {
    let response = null;
    try {
      response = await fetch(CONVERSATION_URL, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({
          action: "next",
          messages: [{ id: uuid4(), author: { role: "user" }, content: { content_type: "text", parts: [text] }, metadata: {} }],
          parent_message_id: "client-created-root",
          model: "auto",
          system_hints: search ? ["search"] : [],
          conversation_mode: { kind: "primary_assistant" },
        }),
        signal: controller.signal,
      });
    } catch {
      response = null;
    }
    if (response?.status === 401) {
      turn.root.remove(); // the question waits for the visitor to log in
      showLoginDialog();
      return;
    }
    if (!response?.ok) {
      turn.fail(response?.status === 403 ? BLOCKED_TEXT : FAILURE_TEXT);
      return;
    }
    const patcher = new Patcher();
    let pushed = false;
    const outcome = await readStream(response, (payload) => {
      patcher.event(payload);
      if (!pushed && payload?.v?.conversation_id) {
        history.pushState({}, "", `/c/${payload.v.conversation_id}`);
        pushed = true;
      }
      turn.update(patcher.messages());
    });
    if (outcome === "broken") turn.fail(FAILURE_TEXT);
    else turn.finish(); // completed, or stopped by the user: what was written stays
  }

  /* ---- dialogs --------------------------------------------------------------------------------------------- */

  function showLoginDialog() {
    const layer = element(
      `<div class="dialog-layer"><div class="dialog-overlay"></div><div role="dialog" aria-modal="true" data-state="open" ` +
        `aria-labelledby="login-title" class="popover login-dialog" tabindex="-1">` +
        `<button aria-label="Close dialog" data-testid="close-button" class="dialog-close">×</button>` +
        `<h2 id="login-title">Log in to search the web</h2>` +
        `<p class="text-token-text-secondary">Searching the web needs a free account. Log in or sign up to continue.</p>` +
        `<button class="btn btn-primary" data-testid="login-button">Log in</button>` +
        `<button class="btn btn-secondary" data-testid="signup-button">Sign up for free</button>` +
        `<a href="#" class="stay-logged-out">Stay logged out</a></div></div>`,
    );
    layer.addEventListener("click", (event) => {
      if (event.target.closest('[data-testid="login-button"], [data-testid="signup-button"]')) goToLogin();
      else if (event.target.closest('[data-testid="close-button"], .stay-logged-out')) {
        event.preventDefault();
        layer.remove();
      }
    });
    document.body.append(layer);
  }

  function goToLogin() {
    location.href = `/auth/login?continue=${encodeURIComponent(location.pathname)}`;
  }

  /* ---- pill hover cards: paged "n/N" when a pill stands for several sources -------------------------------- */

  const pillSources = new WeakMap(); // pill wrapper span[data-state] -> the sources behind it
  let card = null;
  let openPill = null;
  let closeTimer = 0;

  function closeCard() {
    clearTimeout(closeTimer);
    card?.remove();
    if (openPill) openPill.dataset.state = "closed";
    card = openPill = null;
  }

  function cardBody(source) {
    return (
      `<a href="${esc(withUtm(source.url))}" target="_blank" rel="noopener" class="citation-card-link">` +
      `<div class="citation-card-site">${esc(hostLabel(source.url))}</div>` +
      `<div class="citation-card-title">${esc(source.title)}</div>` +
      `<div class="citation-card-snippet">${esc(source.snippet || "")}</div></a>`
    );
  }

  function openCard(pill, sources) {
    closeCard();
    let index = 0;
    const pager =
      sources.length > 1
        ? `<div class="citation-card-pager"><button type="button" aria-label="Previous source">‹</button>` +
          `<span class="tabular-nums">1/${sources.length}</span><button type="button" aria-label="Next source">›</button></div>`
        : "";
    card = element(
      `<div data-radix-popper-content-wrapper="" dir="ltr" style="position: fixed; left: 0px; top: 0px; ` +
        `min-width: max-content; z-index: 50;"><div data-side="bottom" data-align="center" data-state="delayed-open" ` +
        `class="citation-card">${pager}<div class="citation-card-body">${cardBody(sources[0])}</div></div></div>`,
    );
    card.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      index = (index + (button.getAttribute("aria-label") === "Next source" ? 1 : sources.length - 1)) % sources.length;
      $(".tabular-nums", card).textContent = `${index + 1}/${sources.length}`;
      $(".citation-card-body", card).innerHTML = cardBody(sources[index]);
    });
    const box = pill.getBoundingClientRect();
    card.style.transform = `translate(${Math.round(box.left)}px, ${Math.round(box.bottom + 6)}px)`;
    document.body.append(card);
    pill.dataset.state = "delayed-open";
    openPill = pill;
  }

  function pillOf(node) {
    for (let current = node; current instanceof Element; current = current.parentElement) {
      if (pillSources.has(current)) return current;
    }
    return null;
  }

  document.addEventListener("mouseover", (event) => {
    if (card?.contains(event.target)) {
      clearTimeout(closeTimer);
      return;
    }
    const pill = pillOf(event.target);
    if (pill) {
      clearTimeout(closeTimer);
      if (pill !== openPill) openCard(pill, pillSources.get(pill));
    }
  });

  document.addEventListener("mouseout", (event) => {
    if (!openPill) return;
    const inside = (node) => node && (openPill.contains(node) || card.contains(node));
    if (inside(event.target) && !inside(event.relatedTarget)) {
      clearTimeout(closeTimer);
      closeTimer = setTimeout(closeCard, CARD_CLOSE_MS);
    }
  });

  /* ---- wiring ------------------------------------------------------------------------------------------------ */

  input.addEventListener("input", syncComposer);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(promptText());
    }
  });
  $('[data-testid="composer-button-search"]')?.addEventListener("click", (event) => {
    const button = event.currentTarget;
    button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
  });
  $('[data-testid="login-button"]')?.addEventListener("click", goToLogin);
  $('[data-testid="signup-button"]')?.addEventListener("click", goToLogin);
  document.addEventListener("click", (event) => {
    const choice = event.target.closest('[data-testid="cookie-banner"] button[data-consent]');
    if (!choice) return;
    document.cookie = `${CONSENT_COOKIE}=${choice.dataset.consent}; path=/; max-age=31536000; SameSite=Lax`;
    choice.closest('[data-testid="cookie-banner"]').remove();
  });
  window.addEventListener("popstate", () => location.reload());
  syncComposer();
})();
