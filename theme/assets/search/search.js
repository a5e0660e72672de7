// Site search box: Traditional->Simplified-folded Han bigrams in a Pagefind bundle, as exact as Ctrl+F.
//
// The index (build_tools/search) holds, per page, the token stream of build_tools/search/normalize.py
// (every position) and the page's ORIGINAL title and text as fragment metadata and content. query.js
// folds and tokenises the query with the same rules; pfindex.js reads the bundle's word lists and
// fragments; match.js finds the pages holding each fold of each phrase at successive positions. This
// file keeps the pages holding every phrase, orders them, and renders the original title, date, source
// and an excerpt around the first match with the phrase highlighted (docs/dev/search.md).
//
// Everything is loaded from this site: pagefind/ (meta file, the index chunks of the query's tokens,
// the fragments of the results on screen), assets/search/t2s/*.json (OpenCC's character, phrase and
// variant tables, by block) and, once results are on screen, assets/search/facets.json (the filters).

import {
  MAX_RESULTS, NAME_END, TERMINATOR, appendMarked, excerpt, loadBlocks, matchRanges,
  needlesOf, normalize, parseQuery, queryTerms, tokens,
} from "./query.js";
import { byRank, nameTier, phraseMatches, unionHits } from "./match.js";
import { BundleSet, merged } from "./pfindex.js";

// Node and the tests import the query functions from here too.
export * from "./query.js";

// Index chunks read for a prefix (the word being typed, a lone Han character): a short prefix spans
// many chunks, and the first ones are enough while typing (12 of 2,500 units: what 3 of Pagefind's size
// of 10,000 were, build_tools/search/merge.py CHUNK_UNITS).
const PREFIX_CHUNKS = 12;

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
  const fetchOk = (url) =>
    fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${r.status} ${url}`);
      return r;
    });
  const fetchJson = (url) => fetchOk(url).then((r) => r.json());
  const fetchBytes = (url) => fetchOk(url).then((r) => r.arrayBuffer());

  function load() {
    if (engine) return engine;
    engine = new BundleSet(new URL("pagefind/", base), fetchBytes).init();
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

  function renderItem(li, data, needles, viaAlias = "") {
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
    const facts = [data.meta.date, data.meta.source].filter(Boolean).join(" · ");
    if (facts) {
      const f = document.createElement("p");
      f.className = "archive-search__facts";
      f.textContent = facts;
      art.append(f);
    }
    const p = document.createElement("p");
    const inText = excerpt(p, data.content || "", needles);
    art.append(p);
    const byAlias = !inText && !matchRanges(data.meta.title || "", needles.full).length && data.meta.aliases
      && matchRanges(data.meta.aliases, needles.full).length;
    if (byAlias || viaAlias) {
      // viaAlias: the page holds another name of the entity the query names, not the query itself
      const tag = document.createElement("span");
      tag.className = `archive-search__kind archive-search__alias${viaAlias ? " archive-search__via-alias" : ""}`;
      tag.textContent = "别名匹配";
      tag.title = viaAlias ? `本页写作「${viaAlias}」` : "";
      h.append(tag);
    }
    a.append(art);
    li.replaceChildren(a);
  }

  // Result of one page: what the list sorts on and renders from.
  function result(idx, page, hit) {
    return { id: idx.hash(page), page, score: hit.score, title: hit.title, first: hit.first,
      data: () => idx.fragment(page) };
  }

  // Token lists (page -> positions) of `words`, fetched at once: their chunks load in parallel.
  async function postingsOf(idx, words) {
    const uniq = [...new Set(words)];
    const lists = await Promise.all(uniq.map((w) => idx.postings(w)));
    return new Map(uniq.map((w, i) => [w, lists[i]]));
  }

  // Token lists of `phrases`, planned: a token kept in runs of pages (on most pages: pfindex.js) is read
  // only on the pages that can hold its phrase, those holding every other token of one of the phrase's
  // folds; so "DeepSeek掀起AI" reads the runs of "deepseek" and "ai" that hold a page with "掀起", not
  // their whole lists (two rounds of fetches then, one otherwise; a fold of frequent tokens only reads
  // them whole, in the first round). A lone Han character's own list is not read (phraseHits reads the
  // words it starts).
  async function plannedLists(idx, phrases) {
    const seqs = phrases.flatMap((p) => p.seqs).filter((seq) => !(seq.length === 1 && Array.from(seq[0]).length === 1));
    const split = new Set(seqs.flat().filter((tok) => idx.isSplit(tok)));
    // a fold of frequent tokens only needs them whole: read with the others, not after them
    const whole = [...new Set(seqs.filter((seq) => seq.every((tok) => split.has(tok))).flat())];
    const wholeJob = postingsOf(idx, whole);
    const lists = await postingsOf(idx, seqs.flat().filter((tok) => !split.has(tok)));
    const want = new Map(); // split token -> Set of pages
    for (const seq of seqs) {
      const rare = seq.filter((tok) => !split.has(tok)).map((tok) => lists.get(tok));
      if (!rare.length) continue;
      const pages = pagesWithAll(rare);
      for (const tok of seq.filter((x) => split.has(x) && !whole.includes(x))) {
        want.set(tok, new Set([...(want.get(tok) || []), ...pages]));
      }
    }
    const toks = [...want.keys()];
    const got = await Promise.all(toks.map((tok) => (want.get(tok).size ? idx.postings(tok, want.get(tok)) : new Map())));
    toks.forEach((tok, i) => lists.set(tok, got[i]));
    for (const [tok, list] of await wholeJob) lists.set(tok, list);
    return lists;
  }

  // Pages in every one of `lists` (Maps keyed by page).
  function pagesWithAll(lists) {
    const [smallest, ...rest] = [...lists].sort((a, b) => a.size - b.size);
    return [...smallest.keys()].filter((page) => rest.every((l) => l.has(page)));
  }

  // Pages holding a word that starts with `prefix` (from the first PREFIX_CHUNKS chunks of its range).
  async function prefixList(idx, prefix) {
    const { words } = await idx.wordsWithPrefix(prefix, PREFIX_CHUNKS);
    const out = new Map();
    for (const list of (await postingsOf(idx, words)).values()) {
      for (const [page, e] of list) out.set(page, out.has(page) ? merged(out.get(page), e) : e);
    }
    return out;
  }

  // Pages holding one phrase: the union over its folds, each an exact match of its token sequence
  // (successive positions, whole words). A lone Han character matches every bigram it starts; the
  // last word of a query still being typed may be a prefix when it is no whole word anywhere.
  // `names`: also each page's tier (2: the title is the phrase, 1: an alias is).
  async function phraseHits(idx, phrase, prefixOk, lists, names) {
    const all = [];
    const tiers = new Map();
    for (const seq of phrase.seqs) {
      let seqLists = seq.map((tok) => lists.get(tok));
      let prefix = seq.length === 1 && Array.from(seq[0]).length === 1; // a lone Han character
      if (prefix) seqLists = [await prefixList(idx, seq[0])];
      else if (prefixOk && seq.length === 1 && seq[0].endsWith(TERMINATOR) && !seqLists[0].size) {
        seqLists = [await prefixList(idx, seq[0].slice(0, -1))];
        prefix = true;
      }
      const hits = phraseMatches(seqLists, idx.counts, idx.avgCount);
      if (names && !prefix) { // a prefix is never a whole name
        for (const [page, hit] of hits) {
          const tier = nameTier(hit, seq.length, names.get(page));
          if (tier > (tiers.get(page) || 0)) tiers.set(page, tier);
        }
      }
      all.push(hits);
    }
    return { hits: unionHits(all), tiers };
  }

  // Every page holding every phrase of `query`, best first; `missing`: the phrases found nowhere.
  // Order: the title is the query, the title holds it, an alias is the query, then how often the
  // phrase occurs (title weighted, BM25), then the earliest match, then newest first (issue 13).
  async function find(query) {
    await Promise.all([loadBlocks(query, base, fetchJson), loadBlocks(normalize(query), base, fetchJson)]);
    const idx = await load();
    const phrases = parseQuery(query);
    const typing = !/[\s"\u201d\u300d\u300f]$/u.test(query);
    const single = phrases.length === 1;
    // every token of every fold of every phrase (planned: frequent tokens where they can matter)
    const lists = await plannedLists(idx, phrases);
    const missing = [];
    let pages = null;
    let tiers = new Map();
    for (let i = 0; i < phrases.length; i++) {
      const last = typing && i === phrases.length - 1 && !phrases[i].quoted;
      let got = await phraseHits(idx, phrases[i], last, lists, null);
      if (single && [...got.hits.values()].some((h) => h.named)) {
        // a match where a whole title or alias can be: the name end's list (one more chunk) says which
        const named = [...got.hits].filter(([, h]) => h.named).map(([page]) => page);
        lists.set(NAME_END, await idx.postings(NAME_END, new Set(named)));
        got = await phraseHits(idx, phrases[i], last, lists, lists.get(NAME_END));
        tiers = got.tiers;
      }
      if (!got.hits.size) missing.push(phrases[i].text);
      const next = new Map();
      for (const [page, hit] of got.hits) {
        const prev = pages === null ? result(idx, page, { ...hit, score: 0, first: 0, title: true }) : pages.get(page);
        if (!prev) continue;
        prev.score += hit.score;
        prev.title = prev.title && hit.title;
        prev.first = Math.max(prev.first, hit.first);
        next.set(page, prev);
      }
      pages = next;
    }
    const rank = (p) => {
      const name = tiers.get(p.page) || 0;
      return name === 2 ? 3 : p.title ? 2 : name;
    };
    const results = [...(pages || new Map()).values()].sort((a, b) => byRank(a, b, rank));
    const names = new Map([...tiers].map(([page, tier]) => [idx.hash(page), tier]));
    return { phrases, missing, results, names };
  }

  function noneText(found) {
    const names = found.missing.length ? found.missing : found.phrases.map((p) => p.text);
    const quoted = names.map((n) => `「${n}」`).join("和");
    const both = !found.missing.length && names.length > 1 ? "同时" : "";
    return `没有找到${both}包含${quoted}的文章。可以换一种字形（简体/繁体）试试，或输入更短的词。`;
  }

  const filterBox = root.querySelector(".archive-search__filters");
  let facetsLoad = null;
  function facets() {
    facetsLoad ??= fetchJson(new URL("assets/search/facets.json", base)).catch(() => {
      facetsLoad = null;
      return null;
    });
    return facetsLoad;
  }

  function finish(query, count) {
    root.dataset.doneQuery = query;
    root.dispatchEvent(new CustomEvent("archive-search:done", { detail: { query, count } }));
  }

  function clearList() {
    list.replaceChildren();
    // after the list, not in it: the list holds results only
    for (const old of root.querySelectorAll(".archive-search__more")) old.remove();
  }

  async function run(query) {
    const mine = ++seq;
    if (filterBox) filterBox.hidden = true;
    if (!query.trim() || tokens(query).length === 0) {
      clearList();
      meta.textContent = t.tPlaceholder;
      root.dataset.doneQuery = query;
      return;
    }
    let found;
    try {
      found = await find(query);
    } catch (err) {
      if (mine === seq) meta.textContent = t.tError;
      throw err;
    }
    if (mine !== seq) return;
    const needles = needlesOf(query);
    if (!found.results.length) {
      clearList();
      meta.textContent = noneText(found);
      return finish(query, 0);
    }
    const shown = await show(found.results, mine, needles);
    const extra = mine === seq ? await aliasMatches(found) : [];
    if (mine !== seq) return;
    if (extra.length) {
      await shown.append(extra);
      meta.textContent = `${countText(found.results.length)}，另有 ${extra.length} 篇别名匹配`;
    }
    finish(query, found.results.length);
    await setupFilters(query, found.results, mine, needles);
  }

  // Render `results` ten at a time (a "more" button after the list).
  async function show(results, mine, needles) {
    meta.textContent = countText(results.length);
    clearList();
    let shown = 0;
    let pending = false; // a "more" button is waiting
    const more = document.createElement("div");
    more.className = "md-search-result__item archive-search__more";
    const moreButton = document.createElement("button");
    moreButton.type = "button";
    more.append(moreButton);

    async function showNext(first) {
      more.remove();
      const batch = results.slice(shown, shown + MAX_RESULTS);
      const items = batch.map(() => {
        const li = document.createElement("li");
        li.className = "md-search-result__item";
        return li;
      });
      list.append(...items);
      shown += batch.length;
      if (batch.length && first) {
        // the first result first: it is what the reader waits for; let it paint
        renderItem(items[0], await batch[0].data(), batch[0].needles || needles, batch[0].alias);
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (mine !== seq) return;
      }
      await Promise.all(
        batch.map(async (r, i) => {
          if (first && i === 0) return;
          const d = await r.data();
          if (mine === seq) renderItem(items[i], d, r.needles || needles, r.alias);
        }),
      );
      pending = mine === seq && shown < results.length;
      if (pending) {
        moreButton.textContent = t.tMore.replace("#", String(results.length - shown));
        list.after(more);
      }
    }
    moreButton.addEventListener("click", () => {
      const next = shown;
      showNext(false).then(() => list.querySelectorAll("a.md-search-result__link")[next]?.focus());
    });
    if (results.length) await showNext(true);
    return {
      // more results after these (alias matches): shown now if every result so far is on screen
      async append(extra) {
        results = results.concat(extra);
        if (pending) moreButton.textContent = t.tMore.replace("#", String(results.length - shown));
        else if (mine === seq) await showNext(false);
      },
    };
  }

  // Pages that hold another name of the entity the query names exactly (黄仁勋 -> "Jensen Huang"), not
  // yet among the results: shown after them, marked "别名匹配". Only names from entities.yml count.
  async function aliasMatches(found) {
    if (found.phrases.length !== 1) return [];
    const idx = await load();
    const have = new Set(found.results.map((r) => r.id));
    const extra = [];
    for (const r of found.results) {
      if (!found.names.get(r.id)) continue;
      const d = await r.data();
      if (d.meta.kind !== "entity") continue;
      for (const name of [d.meta.title, ...(d.meta.aliases || "").split(" · ")].filter(Boolean)) {
        await loadBlocks(name, base, fetchJson);
        const phrase = parseQuery(`"${name}"`)[0];
        if (!phrase || phrase.folds.some((f) => found.phrases[0].folds.includes(f))) continue;
        const lists = await plannedLists(idx, [phrase]);
        for (const [page, hit] of (await phraseHits(idx, phrase, false, lists, null)).hits) {
          const r = result(idx, page, hit);
          if (have.has(r.id)) continue;
          have.add(r.id);
          extra.push({ ...r, alias: name, needles: needlesOf(`"${name}"`) });
        }
      }
    }
    return extra;
  }

  // Filters by source, year and linked entity, and a sort by date, over the results of a query
  // (assets/search/facets.json, loaded once results are on screen).
  async function setupFilters(query, results, mine, needles) {
    if (!filterBox || results.length < 2) return;
    const fx = await facets();
    if (!fx || mine !== seq) return;
    const info = (r) => fx.p[r.id] || [-1, "", []];
    const fill = (name, values, label) => {
      const counts = new Map();
      for (const r of results) for (const v of values(info(r))) counts.set(v, (counts.get(v) || 0) + 1);
      const select = filterBox.querySelector(`select[name=${name}]`);
      const all = document.createElement("option");
      all.value = "";
      all.textContent = "全部";
      const opts = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1)).map(([v, n]) => {
        const o = document.createElement("option");
        o.value = v;
        o.textContent = `${label(v)}（${n}）`;
        return o;
      });
      select.replaceChildren(all, ...opts);
      select.closest("label").hidden = !opts.length;
    };
    fill("source", (i) => (i[0] >= 0 ? [String(i[0])] : []), (v) => fx.s[Number(v)]);
    fill("year", (i) => (i[1] ? [i[1].slice(0, 4)] : []), (v) => v);
    fill("entity", (i) => i[2].map(String), (v) => fx.e[Number(v)][1]);
    filterBox.querySelector("select[name=sort]").value = "";
    filterBox.hidden = false;
    filterBox.onchange = async () => {
      const f = Object.fromEntries([...filterBox.querySelectorAll("select")].map((el) => [el.name, el.value]));
      let out = results.filter((r) => {
        const [src, date, ents] = info(r);
        return (!f.source || String(src) === f.source) && (!f.year || date.startsWith(f.year))
          && (!f.entity || ents.includes(Number(f.entity)));
      });
      if (f.sort === "date") {
        const date = (r) => info(r)[1];
        out = out.map((r, k) => [r, k]).sort((a, b) => (date(a[0]) < date(b[0])) - (date(a[0]) > date(b[0])) || a[1] - b[1]);
        out = out.map(([r]) => r);
      }
      const now = ++seq;
      await show(out, now, needles);
      if (now === seq) finish(query, out.length);
    };
  }

  // While the reader types, before the debounce: the chunks of the tokens typed so far start loading (the
  // finished query needs them), but not a frequent word's (read where the plan says), a lone Han
  // character's (a query of one is read by prefix) nor the word still being typed, which may not be a word yet.
  async function warm(query) {
    const idx = await load();
    await loadBlocks(query, base, fetchJson);
    const typing = !/[\s"\u201d\u300d\u300f]$/u.test(query);
    const seqs = parseQuery(query).flatMap((p) => p.seqs).filter((seq) => !(seq.length === 1 && Array.from(seq[0]).length === 1));
    const last = typing && seqs.length ? seqs[seqs.length - 1].at(-1) : null;
    for (const tok of new Set(seqs.flat())) {
      if (tok !== last || !tok.endsWith(TERMINATOR)) idx.prefetch(tok);
    }
  }

  let timer = null;
  input.addEventListener("input", () => {
    warm(input.value).catch(() => null);
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

  // find: for tests and `make search-eval` (every result's URL, without rendering)
  root.archiveSearch = {
    run, load, open, close, queryTerms,
    find: async (q) => Promise.all((await find(q)).results.map(async (r) => ({ url: (await r.data()).url }))),
  };
}

const root = typeof document !== "undefined" ? document.querySelector("[data-archive-search]") : null;
if (root) setup(root);
