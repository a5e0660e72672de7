// Exact phrase matching on the positions of the index (pfindex.js): which pages hold a token sequence
// at successive positions, how often, how early, whether in the title, and whether the title or an
// alias is exactly the phrase. Pure functions: tests/test_search_tokens.py runs them in Node.

import { TITLE_SLOTS } from "./query.js";

// Pagefind's weight of an article's text (data-pagefind-weight 1.0 is stored as 24).
const UNIT = 24;
// BM25 on phrase occurrences: saturation and how much a long page is discounted (Pagefind's
// `pageLength: 0.3` of the old box: entity stubs should not win only for being short).
const K1 = 1.2;
const B = 0.3;

// Starts of `lists` (one {pos, weight} per token, positions ascending) at successive positions, as
// indexes into the first token's positions.
export function starts(entries) {
  const out = [];
  const ptr = new Array(entries.length).fill(0);
  const first = entries[0].pos;
  for (let k = 0; k < first.length; k++) {
    const s = first[k];
    let ok = true;
    for (let i = 1; i < entries.length; i++) {
      const arr = entries[i].pos;
      let j = ptr[i];
      while (j < arr.length && arr[j] < s + i) j++;
      ptr[i] = j;
      if (j === arr.length) return out; // this token has no position left: no later start either
      if (arr[j] !== s + i) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(k);
  }
  return out;
}

// page -> {score, title, first, at} for the pages holding the sequence whose token lists are `lists`
// (Map page -> {pos, weight} each); `counts`: every page's word count, `avg` their mean.
export function phraseMatches(lists, counts, avg) {
  const out = new Map();
  if (!lists.length || lists.some((l) => !l.size)) return out;
  const smallest = lists.reduce((a, l) => (l.size < a.size ? l : a));
  for (const page of smallest.keys()) {
    const entries = lists.map((l) => l.get(page));
    if (entries.some((e) => !e)) continue;
    const found = starts(entries);
    if (!found.length) continue;
    let tf = 0;
    let title = false;
    let first = Infinity;
    let named = false;
    const at = [];
    for (const k of found) {
      const pos = entries[0].pos[k];
      const w = entries[0].weight[k];
      tf += w / UNIT;
      at.push(pos);
      if (pos < TITLE_SLOTS) title = true;
      else first = Math.min(first, pos);
      // where a whole name can be: the title's start, or an alias (after the title, still in the <h1>,
      // whose weight is above the text's)
      if (pos === 0 || (pos >= TITLE_SLOTS && w > UNIT)) named = true;
    }
    const norm = 1 - B + (B * (counts[page] || avg)) / avg;
    out.set(page, { score: (tf * (K1 + 1)) / (tf + K1 * norm), title, first, at, named });
  }
  return out;
}

// Pages whose title (2) or one of whose aliases (1) is exactly a sequence of `n` tokens matched at
// `hit.at`: the title's tokens start at 0, aliases after TITLE_SLOTS; each ends with NAME_END, whose
// positions are `ends` (Map page -> {pos}).
export function nameTier(hit, n, end) {
  if (!end) return 0;
  const ends = new Set(end.pos);
  if (hit.at.includes(0) && ends.has(n)) return 2;
  return hit.at.some((p) => p >= TITLE_SLOTS && ends.has(p + n)) ? 1 : 0;
}

// The union of several folds' matches of one phrase: page -> the best of them.
export function unionHits(all) {
  const out = new Map();
  for (const hits of all) {
    for (const [page, h] of hits) {
      const have = out.get(page);
      if (!have) out.set(page, { ...h, at: [...h.at] });
      else {
        have.score = Math.max(have.score, h.score);
        have.title = have.title || h.title;
        have.first = Math.min(have.first, h.first);
        have.named = have.named || h.named;
        have.at.push(...h.at);
      }
    }
  }
  return out;
}

// Result order: `rank` (3: the title is the query, 2: the title holds it, 1: an alias is the query), then
// the score, then the earliest match, then newest first: the index numbers articles in (date, path) order
// after every other page (build_tools/search/tiers.py), so the higher page number is the newer article.
export function byRank(a, b, rank) {
  return rank(b) - rank(a) || b.score - a.score || a.first - b.first || b.page - a.page;
}
