"""Time (CPU, process_time) the link stage and the whole-archive entity views.

    .venv/bin/python benchmarks/link_stage.py [--articles 10000] [--entities 1000] [--raw DIR ...]

Articles are the cleaned seed/dev dumps (ingest → clean → metadata from the
pipeline), repeated up to --articles with a few synthetic names spliced in;
the registry is entities.yml plus synthetic entities up to --entities.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_tools.archive.entity_pages import entity_pages  # noqa: E402
from build_tools.archive.related import related_articles  # noqa: E402
from build_tools.archive.stories import story_fingerprint  # noqa: E402
from build_tools.entities.linker import link_article, mention_contexts, mention_counts  # noqa: E402
from build_tools.entities.matcher import AliasIndex  # noqa: E402
from build_tools.entities.registry import load_registry, parse_registry  # noqa: E402
from build_tools.model import Paragraph, Slug, Text  # noqa: E402

SURNAMES = "王李张刘陈杨赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红鹏飞宇轩浩然子涵梓晨博文思远嘉怡"


def cleaned(dirs: list[Path]):
    from build_tools.config.corrections import load_overrides
    from build_tools.pipeline import discover, prepare
    from build_tools.settings import Settings

    out = []
    for d in dirs:
        settings = Settings(raw_dir=d)
        ov = load_overrides(ROOT / "no-such-overrides.yml", [])
        out += [a for a in (prepare(p, settings, ov) for p in discover(d)) if hasattr(a, "blocks")]
    return out


def synthetic_registry(n: int, rng: random.Random):
    import yaml

    doc = yaml.safe_load((ROOT / "entities.yml").read_text(encoding="utf-8"))
    names: set[str] = set()
    i = 0
    while len(doc["entities"]) < n:
        i += 1
        if i % 2:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
            aliases = [f"Person{i} Example"]
        else:
            name = f"Synth{i}Corp"
            aliases = [f"合成{i}号公司"]
        if name in names:
            continue
        names.add(name)
        doc["entities"].append(
            {"id": f"synthetic-{i}", "name": name, "type": "person", "aliases": aliases, "description": "x"}
        )
    return parse_registry(doc)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--entities", type=int, default=1000)
    ap.add_argument(
        "--raw", type=Path, nargs="*", default=[ROOT.parent / "shared/corpus/seeds", ROOT.parent / "shared/corpus/dev"]
    )
    args = ap.parse_args()
    rng = random.Random(7)

    base = cleaned([d for d in args.raw if d.is_dir()])
    real = AliasIndex.build(load_registry(ROOT / "entities.yml"))
    t = time.process_time()
    linked = [link_article(a, real) for a in base]
    dt = time.process_time() - t
    chars = sum(len(a.text) for a in base)
    links = sum(len(a.entities) for a in linked)
    print(
        f"real corpus: {len(base)} articles, {chars} raw chars, {len(real.registry)} entities, {len(real)} alias keys"
    )
    print(
        f"  link stage {dt * 1000:.1f} ms total, {dt * 1000 / len(base):.2f} ms/article; "
        f"{links / len(base):.1f} linked entities/article, "
        f"{sum(len(a.mentions) for a in linked) / len(base):.1f} mentions/article"
    )

    t = time.process_time()
    registry = synthetic_registry(args.entities, rng)
    index = AliasIndex.build(registry)
    print(
        f"synthetic registry: {len(registry)} entities, {len(index)} keys, built in "
        f"{(time.process_time() - t) * 1000:.0f} ms"
    )
    synth = [e for e in registry.entities if e.id.startswith("synthetic-")]
    from build_tools.model import summarize

    t_link = t_views = 0.0
    summaries, contexts, counts, fps = [], {}, {}, {}
    for i in range(args.articles):
        a = base[i % len(base)]
        extra = "、".join(rng.choice(synth).name for _ in range(rng.randint(0, 4)))
        a = replace(
            a,
            slug=Slug(f"a{i:05d}"),
            blocks=a.blocks + (Paragraph((Text(f"另据报道，{extra}。"),)),),
            meta=replace(a.meta, date=f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}"),
        )
        t = time.process_time()
        la = link_article(a, index)
        t_link += time.process_time() - t
        t = time.process_time()
        summaries.append(summarize(la))
        contexts[la.slug] = mention_contexts(la)
        counts[la.slug] = mention_counts(la)
        fps[la.slug] = story_fingerprint(la)
        t_views += time.process_time() - t
    print(
        f"{args.articles} articles × {len(registry)} entities: link {t_link:.1f} s "
        f"({t_link * 1000 / args.articles:.2f} ms/article); contexts+counts+fingerprint {t_views:.1f} s "
        f"(summarize included)"
    )
    t = time.process_time()
    rel = related_articles(summaries, fps, counts)
    print(
        f"related_articles: {time.process_time() - t:.1f} s, "
        f"{sum(len(v) for v in rel.values()) / len(rel):.1f} related/article, "
        f"{sum(1 for v in rel.values() for x in v if x[2])} same-story marks"
    )
    t = time.process_time()
    pages = entity_pages(summaries, contexts, registry, counts)
    print(
        f"entity_pages: {time.process_time() - t:.1f} s, {len(pages)} pages, "
        f"{sum(map(len, pages.values())) / 1e6:.1f} M chars"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
