// Site search: Pagefind over Traditional->Simplified-normalised Han bigrams.
//
// The index (build_tools/search) holds, per page, the token stream of
// build_tools/search/normalize.py and the page's ORIGINAL title and text as
// Pagefind metadata and fragment content. This file tokenises the query with the same rules
// (normChar/tokens below must match normalize.py; tests/test_search_tokens.py
// checks that), asks Pagefind for pages holding every token, and renders the
// original title and an excerpt with the matches highlighted.
//
// Everything is loaded from this site: pagefind/pagefind.js, its wasm and
// index chunks, and assets/search/t2s/*.json (OpenCC's t2s character table, by block).

const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{323af}]/u;
const WORD = /[\p{L}\p{N}_]/u;
const MAX_RESULTS = 10;
const EXCERPT = 110; // characters of original text around the first match

// Traditional->Simplified (T2S) and Simplified->[Traditional] (INV) character maps,
// filled block by block (assets/search/t2s/<code point >> 8 in hex>.json) for the
// characters a query uses.
const T2S = new Map();
const INV = new Map();
const loadedBlocks = new Map();

function addPairs(from, to) {
  const f = Array.from(from);
  const t = Array.from(to);
  f.forEach((c, i) => {
    T2S.set(c, t[i]);
    INV.set(t[i], (INV.get(t[i]) || "") + c);
  });
}

// The whole table at once (tests, Node): {from, to}.
export function setCharMap(map) {
  T2S.clear();
  INV.clear();
  addPairs(map.from, map.to);
}

function blocksOf(text) {
  const out = new Set();
  for (const c of text) if (HAN.test(c)) out.add((c.codePointAt(0) >> 8).toString(16));
  return out;
}

export function loadBlocks(text, baseUrl, fetchJson) {
  const jobs = [];
  for (const b of blocksOf(text)) {
    if (!loadedBlocks.has(b)) {
      loadedBlocks.set(
        b,
        fetchJson(new URL(`assets/search/t2s/${b}.json`, baseUrl)).then((doc) => {
          if (doc.f) addPairs(doc.f, doc.t);
          for (const [simp, trads] of Object.entries(doc.v || {})) {
            const have = INV.get(simp) || "";
            INV.set(simp, have + [...trads].filter((c) => !have.includes(c)).join(""));
          }
        }),
      );
    }
    jobs.push(loadedBlocks.get(b));
  }
  return Promise.all(jobs);
}

function mapChars(s) {
  let out = "";
  for (const c of s) out += T2S.get(c) ?? c;
  return out;
}

export function normalize(text) {
  return mapChars(text.normalize("NFKC").toLowerCase());
}

export function normChar(ch) {
  return mapChars(ch.normalize("NFKC").toLowerCase());
}

function kindOf(c) {
  if (HAN.test(c)) return "han";
  if (WORD.test(c)) return "word";
  return null;
}

// Maximal Han runs and letter/digit runs of normalised text: [[isHan, run], ...]
export function runs(norm) {
  const out = [];
  let buf = "";
  let kind = null;
  for (const c of norm) {
    const k = kindOf(c);
    if (k !== kind && buf) {
      out.push([kind === "han", buf]);
      buf = "";
    }
    kind = k;
    if (k !== null) buf += c;
  }
  if (buf) out.push([kind === "han", buf]);
  return out;
}

export function tokens(text) {
  const out = [];
  for (const [han, run] of runs(normalize(text))) {
    const cs = Array.from(run);
    if (han && cs.length > 1) {
      for (let i = 0; i + 1 < cs.length; i++) out.push(cs[i] + cs[i + 1]);
    } else {
      out.push(run);
    }
  }
  return out;
}

export function queryTerms(query) {
  return [...new Set(tokens(query))];
}

// ---- highlighting on the original text -------------------------------------

// Whole query runs first (黄仁勋, nvidia), then the bigrams of longer Han runs
// (so scattered parts still light up). `full` marks the whole runs.
export function needlesOf(query) {
  const full = [];
  const parts = [];
  for (const [han, run] of runs(normalize(query))) {
    full.push(run);
    const cs = Array.from(run);
    if (han && cs.length > 2) for (let i = 0; i + 1 < cs.length; i++) parts.push(cs[i] + cs[i + 1]);
  }
  const byLen = (a, b) => b.length - a.length;
  return { full: full.sort(byLen), all: [...full.sort(byLen), ...parts] };
}

const RE_SPECIAL = /[\\^$.*+?()[\]{}|\/-]/g;

// A pattern matching `needle` (normalised text) in ORIGINAL text: every Simplified
// character also as its Traditional forms, Latin in either case and full width.
function needlePattern(needle) {
  let src = "";
  for (const c of needle) {
    const alts = new Set([c, ...(INV.get(c) || "")]);
    for (const a of [...alts]) {
      alts.add(a.toUpperCase());
      const cp = a.codePointAt(0);
      if (cp >= 0x21 && cp <= 0x7e) {
        alts.add(String.fromCodePoint(cp + 0xfee0));
        alts.add(String.fromCodePoint(a.toUpperCase().codePointAt(0) + 0xfee0));
      }
    }
    const parts = [...alts].map((a) => a.replace(RE_SPECIAL, "\\$&"));
    src += parts.length > 1 ? `(?:${parts.join("|")})` : parts[0];
  }
  return new RegExp(src, "gu");
}

export function matchRanges(text, needles) {
  if (!text) return [];
  const ranges = [];
  const taken = new Uint8Array(text.length);
  for (const nd of needles) {
    if (!nd) continue;
    for (const m of text.matchAll(needlePattern(nd))) {
      const a = m.index;
      const b = a + m[0].length;
      if (b === a || taken.subarray(a, b).some((x) => x)) continue;
      taken.fill(1, a, b);
      ranges.push([a, b]);
    }
  }
  ranges.sort((x, y) => x[0] - y[0]);
  return ranges;
}

function appendMarked(el, text, ranges, from = 0, to = text.length) {
  let pos = from;
  for (const [s, e] of ranges) {
    if (e <= from || s >= to) continue;
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (a > pos) el.append(text.slice(pos, a));
    const m = document.createElement("mark");
    m.textContent = text.slice(a, b);
    el.append(m);
    pos = b;
  }
  if (pos < to) el.append(text.slice(pos, to));
}

export function excerpt(el, text, needles) {
  const ranges = matchRanges(text, needles.all);
  const whole = matchRanges(text, needles.full);
  const anchor = whole.length ? whole : ranges;
  let start = 0;
  if (anchor.length) {
    // window with the most matches, starting a little before one of them
    let best = 0;
    let bestCount = -1;
    for (let i = 0; i < anchor.length; i++) {
      let n = 0;
      for (let j = i; j < anchor.length && anchor[j][0] < anchor[i][0] + EXCERPT; j++) n++;
      if (n > bestCount) { best = i; bestCount = n; }
    }
    start = Math.max(0, anchor[best][0] - 24);
  }
  const end = Math.min(text.length, start + EXCERPT);
  if (start > 0) el.append("…");
  appendMarked(el, text.replace(/\n/g, " "), ranges, start, end);
  if (end < text.length) el.append("…");
}

// ---- the search box ----------------------------------------------------------

function setup(root) {
  const toggle = document.getElementById("__search");
  const input = root.querySelector("input[name=query]");
  const form = root.querySelector("form");
  const list = root.querySelector(".md-search-result__list");
  const meta = root.querySelector(".md-search-result__meta");
  const t = root.dataset;
  const base = new URL((t.base || ".").replace(/\/?$/, "/"), document.baseURI);
  let engine = null;
  let seq = 0;
  const fetchJson = (url) =>
    fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${r.status} ${url}`);
      return r.json();
    });

  function load() {
    if (engine) return engine;
    engine = (async () => {
      const mod = await import(new URL("pagefind/pagefind.js", base).href);
      // Pagefind word-segments queries itself when the page language is zh
      // (Intl.Segmenter), which would split our bigrams again: create the
      // instance while <html lang> says "en", the language of the index.
      const html = document.documentElement;
      const lang = html.getAttribute("lang");
      html.setAttribute("lang", "en");
      let pf;
      try {
        pf = mod.createInstance({
          basePath: new URL("pagefind/", base).href,
          noWorker: true,
          // Short pages (entity stubs) should not outrank articles only for being short.
          ranking: { pageLength: 0.3 },
        });
      } finally {
        if (lang === null) html.removeAttribute("lang");
        else html.setAttribute("lang", lang);
      }
      await pf.init();
      return pf;
    })();
    engine.catch(() => { engine = null; });
    return engine;
  }

  function open() {
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
    input.focus();
    load();
  }

  function close() {
    if (toggle && toggle.checked) {
      toggle.checked = false;
      toggle.dispatchEvent(new Event("change"));
    }
    input.blur();
  }

  function countText(n) {
    if (n === 0) return t.tNone;
    if (n === 1) return t.tOne;
    return t.tOther.replace("#", String(n));
  }

  function renderItem(li, data, needles) {
    const a = document.createElement("a");
    a.className = "md-search-result__link";
    a.href = new URL(data.url.replace(/^\//, ""), base).href;
    const art = document.createElement("article");
    art.className = "md-search-result__article md-typeset";
    const h = document.createElement("h1");
    appendMarked(h, data.meta.title || data.url, matchRanges(data.meta.title || "", needles.all));
    art.append(h);
    if (data.meta.kind === "entity") {
      const tag = document.createElement("span");
      tag.className = "archive-search__kind";
      tag.textContent = "实体";
      h.prepend(tag);
      if (data.meta.aliases) {
        const p = document.createElement("p");
        p.className = "archive-search__aliases";
        appendMarked(p, data.meta.aliases, matchRanges(data.meta.aliases, needles.all));
        art.append(p);
      }
    }
    const p = document.createElement("p");
    excerpt(p, data.content || "", needles);
    art.append(p);
    a.append(art);
    li.replaceChildren(a);
  }

  async function run(query) {
    const mine = ++seq;
    if (!query.trim() || queryTerms(query).length === 0) {
      list.replaceChildren();
      meta.textContent = t.tPlaceholder;
      root.dataset.doneQuery = query;
      return;
    }
    let pf;
    try {
      [pf] = await Promise.all([load(), loadBlocks(query, base, fetchJson)]);
      // the Simplified forms' blocks too: they list the Traditional forms to highlight
      await loadBlocks(normalize(query), base, fetchJson);
    } catch (err) {
      meta.textContent = t.tError;
      throw err;
    }
    if (mine !== seq) return;
    const res = await pf.search(queryTerms(query).join(" "));
    if (mine !== seq || !res) return;
    const needles = needlesOf(query);
    meta.textContent = countText(res.results.length);
    const finish = () => {
      root.dataset.doneQuery = query;
      root.dispatchEvent(new CustomEvent("archive-search:done", { detail: { query, count: res.results.length } }));
    };
    list.replaceChildren();
    let shown = 0;
    const more = document.createElement("li");
    more.className = "md-search-result__item archive-search__more";
    const moreButton = document.createElement("button");
    moreButton.type = "button";
    more.append(moreButton);

    async function showNext(first) {
      more.remove();
      const batch = res.results.slice(shown, shown + MAX_RESULTS);
      const items = batch.map(() => {
        const li = document.createElement("li");
        li.className = "md-search-result__item";
        return li;
      });
      list.append(...items);
      shown += batch.length;
      if (batch.length && first) {
        // the first result first: it is what the reader waits for; let it paint
        renderItem(items[0], await batch[0].data(), needles);
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (mine !== seq) return;
      }
      await Promise.all(
        batch.map(async (r, i) => {
          if (first && i === 0) return;
          const d = await r.data();
          if (mine === seq) renderItem(items[i], d, needles);
        }),
      );
      if (mine === seq && shown < res.results.length) {
        moreButton.textContent = t.tMore.replace("#", String(res.results.length - shown));
        list.append(more);
      }
    }
    moreButton.addEventListener("click", () => {
      const next = shown;
      showNext(false).then(() => list.querySelectorAll("a.md-search-result__link")[next]?.focus());
    });

    if (!res.results.length) return finish();
    await showNext(true);
    if (mine === seq) finish();
  }

  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value).catch((e) => console.warn("search:", e)), 150);
  });
  input.addEventListener("focus", () => {
    if (toggle && !toggle.checked) open();
    load();
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const first = list.querySelector("a");
    if (first) first.click();
  });
  form.addEventListener("reset", () => {
    setTimeout(() => { run(""); input.focus(); }, 0);
  });
  if (toggle) {
    toggle.addEventListener("change", () => {
      if (toggle.checked) setTimeout(() => input.focus(), 50);
    });
  }

  function links() {
    return Array.from(list.querySelectorAll("a.md-search-result__link, .archive-search__more button"));
  }

  root.addEventListener("keydown", (ev) => {
    const items = links();
    const idx = items.indexOf(document.activeElement);
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      (items[idx + 1] || items[0])?.focus();
    } else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      if (idx <= 0) input.focus();
      else items[idx - 1].focus();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    }
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const el = document.activeElement;
    const typing = el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    if (typing) return;
    if (ev.key === "/" || ev.key === "s" || ev.key === "f") {
      ev.preventDefault();
      open();
    }
  });

  root.archiveSearch = { run, load, open, close, queryTerms };
}

const root = typeof document !== "undefined" ? document.querySelector("[data-archive-search]") : null;
if (root) setup(root);
