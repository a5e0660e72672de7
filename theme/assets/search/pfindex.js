// Reads the Pagefind bundle (pagefind/) directly: its meta file, index chunks and fragments.
//
// Why not Pagefind's own pagefind.js + wasm (issue 13, docs/dev/search.md "Query side"): exactness needs
// every position of every token, and Pagefind's search over such lists is quadratic in the pages a term
// is on (each result page scans every entry of every term): 0.3-2 s per search() at 5,000 articles,
// and the box needed three per phrase. Here a word's page list is decoded once and a phrase is checked
// by walking sorted positions, linear in the entries. It also saves the engine's 85 kB (js + wasm).
//
// Format (Pagefind 1.5.2; build_tools/search/segments.py and merge.py write the same): every binary
// file is gzip("pagefind_dcd" + CBOR). meta = [version, [[page hash, word count]], [[from, to, chunk
// hash]], filters, sorts, meta fields]; a chunk = [[[word, [[page delta, locs, meta locs]], variants]]].
// The bundles read here are merged ones (build_tools/search/layout.py), whose meta is [version, [word count],
// [[from, to]], [], [], fields, {p: name prefix, s: [[word, width]], c: chunks, b: [chunks of each block],
// v: slots}]. The chunks number pages by *slot* (build_tools/search/slots.py: stable, so a change elsewhere
// renumbers nothing); `v` lists the slots in ascending order (delta-coded), page i being the i-th, and page i's
// fragment is prefix + slot in base 36. Slots ascend with the day, so a higher page is never older (a tie
// ranks newest first; the same day in slot order). A chunk is named prefix + fnv64(its `from`); meta[2] holds the first and last
// word of each block of chunks (b[k] chunks in block k), whose ranges are in the file prefix + "-r" +
// fnv64(the block's first word), fetched when a word falls in it (b empty: a small bundle's meta[2] holds
// every chunk's range); a word listed in `s` is not in the chunks but in runs of `width` slots, run k (slots
// k * width to (k + 1) * width - 1, written when it holds a page) a one-word chunk named prefix + "-s" + fnv64(word) + "-" + k (base 16),
// so a query reads only the runs it needs. Files are asked for with the meta's hash as the query string: a
// name keeps its content only for one build of the bundle.
// Page numbers are delta-coded; in `locs` a negative number -(w + 1) starts a run of weight w, and the
// positions after it are delta-coded from 0. Chunk ranges are prefixes: a word is in the last chunk
// whose `from` is <= it, if it is <= that chunk's `to` or starts with it.

const SIGNATURE = "pagefind_dcd";
// Requests in flight at once (listing every result's URL would otherwise open thousands).
const MAX_FETCHES = 16;

function b36(n) {
  return n.toString(36);
}

// build_tools/search/slots.py fnv64: two 32-bit FNV-1a hashes of the UTF-8 bytes, in base 36.
export function fnv64(text) {
  let lo = 0x811c9dc5;
  let hi = 0x050c5d1f;
  for (const b of new TextEncoder().encode(text)) {
    lo = Math.imul(lo ^ b, 0x01000193) >>> 0;
    hi = Math.imul(hi ^ b, 0x01000193) >>> 0;
  }
  return `${b36(hi)}_${b36(lo)}`;
}

async function gunzip(buf) {
  const stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function unpack(buf, what) {
  const data = await gunzip(buf);
  const head = new TextDecoder().decode(data.subarray(0, SIGNATURE.length));
  if (head !== SIGNATURE) throw new Error(`search index: ${what} is not a Pagefind file`);
  return data.subarray(SIGNATURE.length);
}

// A CBOR decoder for what Pagefind writes: integers, strings, arrays, maps, simple values, floats.
export function decodeCbor(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  let p = 0;
  function length(ai) {
    if (ai < 24) return ai;
    const n = ai - 24;
    let v;
    if (n === 0) v = view.getUint8(p);
    else if (n === 1) v = view.getUint16(p);
    else if (n === 2) v = view.getUint32(p);
    else if (n === 3) v = Number(view.getBigUint64(p));
    else throw new Error(`search index: unsupported CBOR length ${ai} at ${p}`);
    p += 1 << n;
    return v;
  }
  function item() {
    const b = bytes[p++];
    const major = b >> 5;
    const ai = b & 31;
    if (major === 7) {
      if (ai === 20) return false;
      if (ai === 21) return true;
      if (ai === 22 || ai === 23) return null;
      if (ai === 25) { p += 2; return view.getFloat16 ? view.getFloat16(p - 2) : NaN; }
      if (ai === 26) { p += 4; return view.getFloat32(p - 4); }
      if (ai === 27) { p += 8; return view.getFloat64(p - 8); }
      throw new Error(`search index: unsupported CBOR simple value ${ai}`);
    }
    const n = length(ai);
    if (major === 0) return n;
    if (major === 1) return -1 - n;
    if (major === 2 || major === 3) {
      const s = bytes.subarray(p, p + n);
      p += n;
      return major === 3 ? text.decode(s) : s;
    }
    if (major === 4) {
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = item();
      return out;
    }
    if (major === 5) {
      const out = {};
      for (let i = 0; i < n; i++) out[item()] = item();
      return out;
    }
    throw new Error(`search index: unsupported CBOR type ${major}`);
  }
  return item();
}

// Pagefind keeps a word without its diacritics (naïve under naive, the form as typed a variant of it)
// and looks words up the same way (pagefind.js normalizeDiacritics; its exactDiacritics is off).
export function indexForm(word) {
  return word.normalize("NFD").replace(/\p{M}/gu, "");
}

// Code point order (Python's and Rust's), not UTF-16 order.
export function cmp(a, b) {
  if (a === b) return 0;
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

// Two entries of one page (a word and its variant, or the words of a prefix) as one.
export function merged(a, b) {
  const pos = [...a.pos, ...b.pos];
  const weight = [...a.weight, ...b.weight];
  const order = pos.map((_, i) => i).sort((i, j) => pos[i] - pos[j]);
  return { pos: order.map((i) => pos[i]), weight: order.map((i) => weight[i]) };
}

// A page's entry of a word: absolute positions (ascending) and the weight of each (24 = 1.0).
function entry(locs) {
  const pos = [];
  const weight = [];
  let w = 24;
  let at = 0;
  for (const v of locs) {
    if (v < 0) {
      w = -v - 1;
      at = 0;
      continue;
    }
    at += v;
    pos.push(at);
    weight.push(w);
  }
  // weight runs are listed one after another: sort the positions of all runs together
  if (pos.some((v, i) => i && v < pos[i - 1])) return merged({ pos, weight }, { pos: [], weight: [] });
  return { pos, weight };
}

// [page, {pos, weight}] of a word's stored lists (its own pages, then each variant's: the forms with
// diacritics), each list delta-coded.
function* pageEntries(lists) {
  for (const pages of lists || []) {
    let page = 0;
    for (const [delta, locs] of pages) {
      page += delta;
      if (locs.length) yield [page, entry(locs)];
    }
  }
}

// Index of the last of `ranges` ([from, to], ascending) whose `from` is <= word, or -1.
function lastFrom(ranges, word) {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(ranges[mid][0], word) <= 0) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export class PagefindIndex {
  constructor(basePath, fetchBytes) {
    this.base = basePath; // URL of the pagefind/ folder, ending in "/"
    this.active = 0;
    this.queue = [];
    this.fetchBytes = (url) => new Promise((resolve, reject) => {
      this.queue.push(() => fetchBytes(url).then(resolve, reject));
      this.next();
    });
    this.chunks = new Map(); // chunk hash -> Promise<Map word -> [[page, locs]]>
    this.fragments = new Map();
  }

  next() {
    while (this.active < MAX_FETCHES && this.queue.length) {
      this.active++;
      this.queue.shift()().finally(() => {
        this.active--;
        this.next();
      });
    }
  }

  // `hash`: the meta file's (pagefind-entry.json lists it). Only merged bundles are read (merge.py's meta).
  async init(hash) {
    const meta = decodeCbor(await unpack(await this.fetchBytes(new URL(`pagefind.${hash}.pf_meta`, this.base)), "meta"));
    const ext = meta[6];
    if (!ext || !ext.v) throw new Error("search index: not a merged bundle (build_tools/search/layout.py)");
    this.version = hash;
    this.prefix = ext.p;
    this.counts = meta[1];
    this.slots = [];
    let at = 0;
    for (const d of ext.v) this.slots.push((at += d));
    this.pageOf = new Map(this.slots.map((slot, page) => [slot, page]));
    const blocked = ext.b.length > 0; // else every chunk's range is in the meta
    this.ranges = blocked ? null : meta[2];
    this.blocks = blocked ? meta[2] : null;
    this.blockStart = [];
    let n = 0;
    for (const size of ext.b) {
      this.blockStart.push(n);
      n += size;
    }
    this.chunkCount = ext.c;
    this.rangeBlocks = new Map();
    // split word -> [its name, width in slots]
    this.split = new Map(ext.s.map(([word, width]) => [word, [fnv64(word), width]]));
    this.avgCount = this.counts.reduce((a, b) => a + b, 0) / Math.max(1, this.counts.length);
    return this;
  }

  url(path) {
    return new URL(`${path}?${this.version}`, this.base);
  }

  // The [from, to] of every chunk of block `b` (a merged bundle's), fetched once.
  rangesOf(b) {
    if (!this.rangeBlocks.has(b)) {
      const name = `${this.prefix}-r${fnv64(this.blocks[b][0])}`;
      const job = this.fetchBytes(this.url(`index/${name}.pf_index`))
        .then((buf) => unpack(buf, `ranges ${name}`))
        .then((bytes) => decodeCbor(bytes));
      job.catch(() => this.rangeBlocks.delete(b));
      this.rangeBlocks.set(b, job);
    }
    return this.rangeBlocks.get(b);
  }

  // The block holding chunk `i`.
  blockOf(i) {
    let lo = 0;
    let hi = this.blockStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.blockStart[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async range(i) {
    if (this.ranges) return this.ranges[i];
    const b = this.blockOf(i);
    return (await this.rangesOf(b))[i - this.blockStart[b]];
  }

  // Index of the last chunk whose `from` is <= word, or -1.
  async lastFromBefore(word) {
    if (this.ranges) return lastFrom(this.ranges, word);
    const b = lastFrom(this.blocks, word);
    return b < 0 ? -1 : this.blockStart[b] + lastFrom(await this.rangesOf(b), word);
  }

  // Index of the chunk that holds `word`, or -1.
  async chunkOf(word) {
    const i = await this.lastFromBefore(word);
    if (i < 0) return -1;
    const [, to] = await this.range(i);
    return cmp(word, to) <= 0 || word.startsWith(to) ? i : -1;
  }

  async chunk(i) {
    const [from] = await this.range(i);
    return this.chunkFile(this.prefix + fnv64(from));
  }

  chunkFile(hash) {
    if (!this.chunks.has(hash)) {
      const job = this.fetchBytes(this.url(`index/${hash}.pf_index`))
        .then((buf) => unpack(buf, `chunk ${hash}`))
        .then((bytes) => {
          const words = new Map();
          for (const [word, pages, variants] of decodeCbor(bytes)[0]) {
            words.set(word, [pages, ...(variants || []).map((v) => v[1])]);
          }
          return words;
        });
      job.catch(() => this.chunks.delete(hash));
      this.chunks.set(hash, job);
    }
    return this.chunks.get(hash);
  }

  // Is `typed` kept in runs of pages (a word on most pages): worth reading only where it is needed?
  isSplit(typed) {
    return this.split.has(indexForm(typed));
  }

  // Start loading the chunk that holds `typed` (while the query is typed: search.js).
  prefetch(typed) {
    this.chunkOf(indexForm(typed)).then((i) => (i >= 0 ? this.chunk(i) : null)).catch(() => null);
  }

  // The chunk files of a split word's runs holding `want` (page numbers; null: every page).
  runsOf(word, want) {
    const [name, width] = this.split.get(word);
    // only the runs holding a page exist (build_tools/search/layout.py run_ids)
    const pages = want === null ? this.slots : [...want].map((p) => this.slots[p]);
    const ks = [...new Set(pages.map((slot) => Math.floor(slot / width)))].sort((a, b) => a - b);
    return ks.map((k) => `${this.prefix}-s${name}-${k.toString(16)}`);
  }

  // word -> Map(page number -> {pos, weight}), empty when the word is not indexed; `want` (page numbers):
  // only those pages are needed (a split word's other runs are not read), null: all of them.
  async postings(typed, want = null) {
    const word = indexForm(typed);
    const out = new Map();
    let chunks;
    if (this.split.has(word)) chunks = this.runsOf(word, want).map((f) => this.chunkFile(f));
    else {
      const i = await this.chunkOf(word);
      chunks = i < 0 ? [] : [this.chunk(i)];
    }
    for (const chunk of await Promise.all(chunks)) {
      for (const [slot, e] of pageEntries(chunk.get(word))) {
        const page = this.pageOf.get(slot);
        if (page !== undefined) out.set(page, out.has(page) ? merged(out.get(page), e) : e);
      }
    }
    return out;
  }

  // The words that start with `prefix`, from at most `maxChunks` chunks (a split word counts its runs);
  // `complete`: all of them.
  async wordsWithPrefix(typed, maxChunks) {
    const prefix = indexForm(typed);
    const first = Math.max(0, await this.lastFromBefore(prefix));
    const words = [];
    let budget = maxChunks;
    let complete = true;
    for (const w of this.split.keys()) {
      if (!w.startsWith(prefix)) continue;
      const runs = this.runsOf(w, null).length;
      if (runs <= budget) {
        words.push(w);
        budget -= runs;
      } else complete = false;
    }
    const picked = [];
    for (let i = first; i < this.chunkCount && picked.length <= budget; i++) {
      const [from] = await this.range(i);
      if (i > first && cmp(from, prefix) > 0 && !from.startsWith(prefix)) break;
      picked.push(i);
    }
    for (const i of picked.slice(0, budget)) {
      for (const w of (await this.chunk(i)).keys()) if (w.startsWith(prefix)) words.push(w);
    }
    return { words, complete: complete && picked.length <= budget };
  }

  hash(page) {
    return this.prefix + b36(this.slots[page]);
  }

  // The page's fragment: {url, content (original text), meta {title, kind, aliases, date, source, ...}}.
  fragment(page) {
    const hash = this.hash(page);
    if (!this.fragments.has(hash)) {
      const job = this.fetchBytes(this.url(`fragment/${hash}.pf_fragment`))
        .then((buf) => unpack(buf, `fragment ${hash}`))
        .then((bytes) => JSON.parse(new TextDecoder().decode(bytes)));
      job.catch(() => this.fragments.delete(hash));
      this.fragments.set(hash, job);
    }
    return this.fragments.get(hash);
  }
}

// The search output is a few Pagefind bundles read together (build_tools/search/tiers.py): pagefind/
// pagefind-entry.json lists them in page order with their meta files. This presents them as one index:
// page numbers run bundle after bundle (so they ascend with the articles' (date, path): search.js ranks a
// tie newest first by them), a word's pages are its pages in every bundle.
export class BundleSet {
  constructor(basePath, fetchBytes) {
    this.base = basePath;
    this.fetchBytes = fetchBytes;
  }

  async init() {
    const entry = JSON.parse(new TextDecoder().decode(await this.fetchBytes(new URL("pagefind-entry.json", this.base))));
    const lang = Object.values(entry.languages)[0];
    this.parts = await Promise.all(lang.bundles.map((b) => new PagefindIndex(new URL(`${b.dir}/`, this.base), this.fetchBytes).init(b.hash)));
    this.offsets = [];
    this.counts = [];
    for (const part of this.parts) {
      this.offsets.push(this.counts.length);
      for (const c of part.counts) this.counts.push(c);
    }
    this.avgCount = this.counts.reduce((a, b) => a + b, 0) / Math.max(1, this.counts.length);
    return this;
  }

  // The bundle of a page number, and the page's number in it.
  locate(page) {
    let i = this.offsets.length - 1;
    while (i > 0 && this.offsets[i] > page) i--;
    return [this.parts[i], page - this.offsets[i]];
  }

  isSplit(typed) {
    return this.parts.some((p) => p.isSplit(typed));
  }

  prefetch(typed) {
    for (const p of this.parts) if (!p.isSplit(typed)) p.prefetch(typed);
  }

  // `want` (page numbers, or null for all): a bundle holding none of them is not asked.
  async postings(typed, want = null) {
    const lists = await Promise.all(this.parts.map((p, i) => {
      if (want === null) return p.postings(typed);
      const lo = this.offsets[i];
      const hi = lo + p.counts.length;
      const local = [...want].filter((page) => page >= lo && page < hi).map((page) => page - lo);
      return local.length ? p.postings(typed, local) : new Map();
    }));
    const out = new Map();
    lists.forEach((list, i) => {
      for (const [page, e] of list) out.set(page + this.offsets[i], e);
    });
    return out;
  }

  async wordsWithPrefix(typed, maxChunks) {
    const all = await Promise.all(this.parts.map((p) => p.wordsWithPrefix(typed, maxChunks)));
    return { words: [...new Set(all.flatMap((a) => a.words))], complete: all.every((a) => a.complete) };
  }

  hash(page) {
    const [part, local] = this.locate(page);
    return part.hash(local);
  }

  fragment(page) {
    const [part, local] = this.locate(page);
    return part.fragment(local);
  }
}
