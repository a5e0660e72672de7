"""Synthetic and seed archives for the search benchmarks and the browser test.

    python benchmarks/search_synth.py --out /tmp/arch --articles 1000 --engine pagefind --build

writes ``/tmp/arch/docs`` (Markdown with the same front matter as the real
build: title, lang, raw, sha256, entities, date, source, authors, url),
``/tmp/arch/mkdocs.yml`` (the repo's theme layer from ``theme/``, nav kept
tiny) and, with ``--build``, ``/tmp/arch/site`` (plus the search index for the
chosen engine).

The archive always starts with the five real seed dumps (``raw/*.txt``, one
article each, named by raw file) and the entity pages, so the real query set
(``tests/search_queries.yml``) applies to every archive size; the rest are
synthetic articles of 3-6k characters made from paragraphs of the seed and dev
dumps, a third of them converted to Traditional script, with entity mentions.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "raw"
SHARED = Path("/work/shared/corpus")

# Fallback registry (used when the project's entities.yml is absent): id -> (name, type, aliases)
ENTITIES: dict[str, tuple[str, str, list[str]]] = {
    "jensen-huang": ("黄仁勋", "person", ["Jensen Huang", "老黄", "黃仁勳", "黃仁勛", "皮衣教主"]),
    "nvidia": ("英伟达", "organization", ["Nvidia", "NVIDIA", "英偉達", "辉达"]),
    "deepseek": ("DeepSeek", "organization", ["深度求索", "DeepSeek-R1"]),
    "liang-wenfeng": ("梁文锋", "person", ["梁文鋒"]),
    "openai": ("OpenAI", "organization", ["开放人工智能"]),
    "huawei": ("华为", "organization", ["Huawei", "華為"]),
    "microsoft": ("微软", "organization", ["Microsoft", "微軟"]),
    "lei-jun": ("雷军", "person", ["Lei Jun", "雷軍"]),
    "high-flyer": ("幻方量化", "organization", ["幻方", "High-Flyer"]),
    "tsmc": ("台积电", "organization", ["TSMC", "台積電"]),
}


def load_entities() -> dict[str, tuple[str, str, list[str]]]:
    """The project's registry if it is there, else the fallback above."""
    for cand in (ROOT / "entities.yml", ROOT / "data" / "entities.yml", ROOT / "build_tools" / "entities.yml"):
        if cand.exists():
            try:
                sys.path.insert(0, str(ROOT))
                from build_tools.entities.registry import load_registry  # type: ignore

                reg = load_registry(cand)
                return {e.id: (e.name, e.type, list(e.all_names)) for e in reg.entities}
            except Exception:  # noqa: BLE001 - fall back to the built-in list
                break
    return ENTITIES


def front_matter(d: dict) -> str:
    import yaml

    return "---\n" + yaml.safe_dump(d, allow_unicode=True, sort_keys=False) + "---\n"


def body_html(paragraphs: list[str]) -> str:
    """Paragraphs as raw HTML blocks: no Markdown interpretation of dump text."""
    return "\n\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "\n"


def _seed_title(lines: list[str]) -> str:
    for ln in lines[:12]:
        if ln.startswith("Title:"):
            return ln[6:].strip()
    cands = [ln for ln in lines[:15] if re.search(r"[\u4e00-\u9fff]", ln) and 10 <= len(ln) <= 60]
    cands = [c for c in cands if ">" not in c and "免费" not in c and "炒股" not in c]
    return cands[0] if cands else lines[0][:40]


def seed_articles() -> list[dict]:
    """The real raw dumps, minimally cleaned (title + paragraphs)."""
    out = []
    for f in sorted(SEEDS.glob("*.txt")):
        raw = f.read_text(encoding="utf-8", errors="replace")
        lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
        title = _seed_title(lines)
        furniture = ("Title:", "URL Source:", "Markdown Content:")
        paras = [ln for ln in lines if ln != title and not ln.startswith(furniture)]
        paras = [re.sub(r"!\[[^\]]*\]\([^)]*\)", "", p) for p in paras]
        paras = [p for p in paras if p.strip()]
        trad = sum(map(raw.count, "們這個說為來時會對發國")) > sum(map(raw.count, "们这个说为来时会对发国"))
        out.append(
            {
                "slug": f.stem.replace("_", "-"),
                "raw": f.name,
                "title": title,
                "lang": "zh-Hant" if trad else "zh-Hans",
                "paras": paras,
                "sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
            }
        )
    return out


def paragraph_pool() -> list[str]:
    pool: list[str] = []
    files = [*sorted(SEEDS.glob("*.txt")), *sorted((SHARED / "dev").glob("*.md"))]
    files += sorted((SHARED / "seeds").glob("*.txt"))
    seen = set()
    for f in files:
        for ln in f.read_text(encoding="utf-8", errors="replace").splitlines():
            ln = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", ln).strip(" >*#_-\t")
            if len(ln) >= 30 and re.search(r"[\u4e00-\u9fff]{8}", ln) and ln not in seen:
                seen.add(ln)
                pool.append(ln)
    return pool


def synth_articles(n: int, seed: int = 0) -> list[dict]:
    import opencc

    s2t = opencc.OpenCC("s2t")
    rnd = random.Random(seed)
    pool = paragraph_pool()
    ents = list(load_entities().items())
    out = []
    for i in range(n):
        target = rnd.randint(3000, 6000)
        paras: list[str] = []
        size = 0
        mentioned = rnd.sample(ents, k=min(3, len(ents)))
        while size < target:
            p = rnd.choice(pool)
            if rnd.random() < 0.3:
                eid, (name, _t, aliases) = rnd.choice(mentioned)
                surface = rnd.choice([name, *aliases])
                cut = rnd.randint(0, len(p))
                p = p[:cut] + surface + p[cut:]
            paras.append(p)
            size += len(p)
        title = rnd.choice(pool)[: rnd.randint(12, 30)]
        trad = i % 3 == 2
        if trad:
            title = s2t.convert(title)
            paras = [s2t.convert(p) for p in paras]
        text = title + "\n" + "\n".join(paras)
        out.append(
            {
                "slug": f"synth-{i:05d}",
                "raw": f"synth_{i:05d}.txt",
                "title": title,
                "lang": "zh-Hant" if trad else "zh-Hans",
                "paras": paras,
                "entities": [e for e, _ in mentioned],
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            }
        )
    return out


MKDOCS_YML = """\
site_name: 中文文章存档
use_directory_urls: true
docs_dir: docs
site_dir: site
theme:
  name: material
  custom_dir: {theme}
  language: zh
  font: false
  features: [navigation.indexes, search.highlight]
extra_css: []
nav:
  - 首页: index.md
not_in_nav: |
  /articles/
  /entities/
plugins:
{plugins}
"""


def write_archive(out: Path, n_articles: int, engine: str = "pagefind", seed: int = 0) -> dict:
    """Write docs/ + mkdocs.yml for ``n_articles`` (5 real seeds + synthetic)."""
    docs = out / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    (docs / "articles").mkdir(parents=True)
    (docs / "entities").mkdir(parents=True)
    ents = load_entities()
    seeds = seed_articles()
    arts = seeds + synth_articles(max(0, n_articles - len(seeds)), seed)
    for k, a in enumerate(arts):
        body = "".join(a["paras"])
        ent_ids = a.get("entities") or [e for e, (nm, _t, al) in ents.items() if any(s in body for s in [nm, *al])]
        fm = {
            "title": a["title"],
            "lang": a["lang"],
            "raw": a["raw"],
            "sha256": a["sha256"],
            "entities": ent_ids,
            "date": f"2025-{1 + k % 12:02d}-{1 + k % 28:02d}",
            "source": "synthetic" if a["raw"].startswith("synth") else "seed",
            "authors": [],
            "url": "",
        }
        (docs / "articles" / f"{a['slug']}.md").write_text(
            front_matter(fm) + "\n" + f"# {html.escape(a['title'])}\n\n" + body_html(a["paras"]), encoding="utf-8"
        )
    for eid, (name, etype, aliases) in ents.items():
        fm = {"entity": eid, "title": name, "type": etype, "aliases": aliases}
        body = f"# {name}\n\n别名：{'、'.join(aliases)}\n\n{name}（{etype}）。\n"
        (docs / "entities" / f"{eid}.md").write_text(front_matter(fm) + "\n" + body, encoding="utf-8")
    (docs / "index.md").write_text("# 中文文章存档\n\n测试站点。\n", encoding="utf-8")
    (docs / "articles" / "index.md").write_text("# 文章\n", encoding="utf-8")
    (docs / "entities" / "index.md").write_text("# 实体\n", encoding="utf-8")
    if engine == "lunr":
        user = out / "jieba_user.txt"
        words = [s for e in ents.values() for s in [e[0], *e[2]] if " " not in s]
        user.write_text("".join(f"{w} 100 n\n" for w in words), encoding="utf-8")
        plugins = f"  - search:\n      lang: zh\n      jieba_dict_user: {user}\n"
    else:
        plugins = "  []\n"
    text = MKDOCS_YML.format(theme=ROOT / "theme", plugins=plugins)
    if engine == "pagefind":
        # the built-in search plugin is off: no search plugin at all
        text = text.replace("plugins:\n  []\n", "plugins: []\n")
    (out / "mkdocs.yml").write_text(text, encoding="utf-8")
    return {"articles": len(arts), "entities": len(ents)}


def build(out: Path, python: str = sys.executable) -> float:
    t0 = time.perf_counter()
    subprocess.run([python, "-m", "mkdocs", "build", "-q", "-f", str(out / "mkdocs.yml")], check=True, cwd=out)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--articles", type=int, default=5)
    ap.add_argument("--engine", choices=["pagefind", "lunr"], default="pagefind")
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    info = write_archive(args.out, args.articles, args.engine, args.seed)
    print(json.dumps(info, ensure_ascii=False))
    if args.build:
        print(f"mkdocs build: {build(args.out):.1f}s")
        if args.engine == "pagefind":
            sys.path.insert(0, str(ROOT))
            from build_tools.search import index_site

            print(json.dumps(index_site(args.out / "site", args.out / "docs").as_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
