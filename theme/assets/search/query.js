// The query side of site search, without the DOM of the search box (search.js): tokenising and
// folding exactly as build_tools/search/normalize.py and phrases.py do (tests/test_search_tokens.py runs
// both on the same strings), parsing a query into phrases, and highlighting them in original text.

const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{323af}]/u;
const WORD = /[\p{L}\p{N}_]/u;
export const MAX_RESULTS = 10;
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
          if (doc.p) setPhrases(doc.p);
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

// Maximal Han runs (group 1) and word tokens (group 2): normalize._runs_re. A word token keeps
// its symbols: a leading "." or "$", inner "." and a trailing "++", "+", "#" or "%".
const HANC = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{323af}";
// a word character that is not Han (no "v" flag: Debian's Node 18 lacks it)
const WC = `(?:(?![${HANC}])[\\p{L}\\p{N}_])`;
const RUNS_SRC =
  `([${HANC}]+)|((?:(?<!${WC}|[.$])[.$](?=${WC}))?${WC}+(?:\\.${WC}+)*(?:\\+\\+|[+#%])?)`;
// normalize.py: ESCAPE, TERMINATOR, BOUNDARY and the symbol escapes of encode_word.
const ESCAPE = "\u01c1";
export const TERMINATOR = "\u01c2";
export const BOUNDARY = "\u01c0";
export const NAME_END = "\u01c3";
export const TITLE_SLOTS = 64; // service.TITLE_SLOTS: positions before it are the title's
const ESCAPES = { ".": "d", $: "s", "+": "p", "#": "h", "%": "c", _: "u" };

function runMatches(norm) {
  return norm.matchAll(new RegExp(RUNS_SRC, "gu"));
}

// [[isHan, run], ...] of normalised text
export function runs(norm) {
  return Array.from(runMatches(norm), (m) => (m[1] ? [true, m[1]] : [false, m[2]]));
}

function hanTokens(run) {
  const cs = Array.from(run);
  if (cs.length === 1) return [run];
  const out = [];
  for (let i = 0; i + 1 < cs.length; i++) out.push(cs[i] + cs[i + 1]);
  return out;
}

// Plain tokens (normalize.tokens): Han bigrams and words.
export function tokens(text) {
  const out = [];
  for (const [han, run] of runs(normalize(text))) {
    if (han) out.push(...hanTokens(run));
    else out.push(run);
  }
  return out;
}

export function queryTerms(query) {
  return [...new Set(tokens(query))];
}

export function encodeWord(word) {
  let out = "";
  for (const c of word) out += c in ESCAPES ? ESCAPE + ESCAPES[c] : c;
  return out + TERMINATOR;
}

export function gapToken(gap) {
  const marks = [];
  for (const c of gap) if (!/\s/u.test(c)) marks.push(c.codePointAt(0).toString(16));
  return BOUNDARY + marks.slice(0, 4).join(BOUNDARY);
}

// Index tokens of normalised text, as normalize.stream writes them.
export function stream(norm) {
  const found = Array.from(runMatches(norm), (m) => [m.index, m.index + m[0].length, m[1], m[2]]);
  const touch = [];
  for (let i = 0; i + 1 < found.length; i++) {
    const gap = norm.slice(found[i][1], found[i + 1][0]);
    touch.push(!gap || (!gap.trim() && Boolean(found[i][2]) !== Boolean(found[i + 1][2])));
  }
  const out = [];
  found.forEach(([, , han, word], i) => {
    if (i && !touch[i - 1]) out.push(gapToken(norm.slice(found[i - 1][1], found[i][0])));
    if (!han) {
      out.push(encodeWord(word));
      return;
    }
    const cs = Array.from(han);
    const left = i > 0 && touch[i - 1] && !found[i - 1][2];
    const right = i + 1 < found.length && touch[i] && !found[i + 1][2];
    if (cs.length > 1 && left) out.push(cs[0]);
    out.push(...hanTokens(han));
    if (cs.length > 1 && right) out.push(cs[cs.length - 1]);
  });
  return out;
}

// ---- OpenCC's phrase and variant tables (build_tools/search/phrases.py) ------------

// key (NFKC, lower case) -> what t2s / tw2s / hk2s / tw2sp make of it, besides the character fold
const PHRASES = new Map();
let maxKey = 1;

export function setPhrases(table) {
  for (const [k, alts] of Object.entries(table)) {
    PHRASES.set(k, alts);
    maxKey = Math.max(maxKey, Array.from(k).length);
  }
}

const MAX_VARIANTS = 16;

function product(lists) {
  let out = [""];
  for (const opts of lists) {
    const next = [];
    for (const a of out) for (const b of opts) if (next.length < MAX_VARIANTS) next.push(a + b);
    out = next;
  }
  return out;
}

// The folds of one Han run (NFKC, lower case, not yet folded): longest phrase-table key first at
// each position; a key is kept as its character fold or any of its table folds.
function runFolds(run) {
  const cs = Array.from(run);
  const segs = [];
  for (let i = 0; i < cs.length; ) {
    let found = null;
    for (let n = Math.min(maxKey, cs.length - i); n >= 1 && !found; n--) {
      const k = cs.slice(i, i + n).join("");
      if (PHRASES.has(k)) found = k;
    }
    if (found) {
      segs.push([...new Set([mapChars(found), ...PHRASES.get(found)])]);
      i += Array.from(found).length;
    } else {
      segs.push([mapChars(cs[i])]);
      i += 1;
    }
  }
  return product(segs);
}

// Every fold of a phrase (NFKC, lower case): its Han runs replaced by their folds.
export function phraseFolds(text) {
  const lists = [];
  let pos = 0;
  for (const m of runMatches(text)) {
    lists.push([mapChars(text.slice(pos, m.index))]);
    lists.push(m[1] ? runFolds(m[1]) : [m[2]]);
    pos = m.index + m[0].length;
  }
  lists.push([mapChars(text.slice(pos))]);
  return [...new Set(product(lists))];
}

// A query is a list of phrases: quoted strings ("…", “…”, 「…」, 『…』) and the whitespace-free
// pieces of the rest. Each phrase: {text (as typed), folds, seqs: token sequences to find}.
const QUOTED = /"([^"]*)"|\u201c([^\u201d]*)\u201d|\u300c([^\u300d]*)\u300d|\u300e([^\u300f]*)\u300f|(\S+)/gu;

export function parseQuery(query) {
  const out = [];
  const seen = new Set();
  for (const m of query.normalize("NFKC").matchAll(QUOTED)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? "").trim();
    const text = raw.toLowerCase();
    const folds = phraseFolds(text);
    const seqs = [];
    for (const f of folds) {
      const seq = stream(f);
      if (seq.length && !seqs.some((s) => s.join(" ") === seq.join(" "))) seqs.push(seq);
    }
    if (!seqs.length || seen.has(seqs[0].join(" "))) continue;
    seen.add(seqs[0].join(" "));
    out.push({ text: raw, folds: folds.filter((f) => f.trim()), seqs, quoted: m[5] === undefined });
  }
  return out;
}

// ---- highlighting on the original text -------------------------------------

// The phrases of a query as they are highlighted: each fold, longest first.
export function needlesOf(query) {
  const full = parseQuery(query).flatMap((p) => p.folds);
  full.sort((a, b) => b.length - a.length);
  return { full, all: full };
}

const RE_SPECIAL = /[\\^$.*+?()[\]{}|\/]/g;
const STARTS_WORD = new RegExp(`^${WC}`, "u");
const ENDS_WORD = new RegExp(`${WC}[+#%]?$`, "u");

// A pattern matching `needle` (normalised text) in ORIGINAL text: every Simplified
// character also as its Traditional forms, Latin in either case and full width; a word at
// either end of the needle must be a whole word there.
function needlePattern(needle) {
  let src = "";
  let prevHan = null;
  for (const c of needle) {
    if (/\s/u.test(c)) {
      src += "\\s+";
      prevHan = null;
      continue;
    }
    // "AI芯片" is also "AI 芯片" (a space between Han and other characters does not count)
    const han = HAN.test(c);
    if (prevHan !== null && han !== prevHan) src += "\\s*";
    prevHan = han;
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
  if (STARTS_WORD.test(needle)) src = `(?<!${WC}|[.$]${WC})` + src;
  if (ENDS_WORD.test(needle)) src += `(?!${WC}|[+#%]|\\.${WC})`;
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

export function appendMarked(el, text, ranges, from = 0, to = text.length) {
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

// Article text around the FIRST match of a phrase, wherever it is in the page; every match in
// view highlighted whole (the window grows to the end of a match it cuts).
export function excerpt(el, text, needles) {
  const ranges = matchRanges(text, needles.full);
  const start = ranges.length ? Math.max(0, ranges[0][0] - 24) : 0;
  let end = Math.min(text.length, start + EXCERPT);
  for (const [a, b] of ranges) if (a < end && b > end) end = b;
  if (start > 0) el.append("…");
  appendMarked(el, text.replace(/\n/g, " "), ranges, start, end);
  if (end < text.length) el.append("…");
  return ranges.length > 0;
}

