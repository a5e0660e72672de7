"""Synthetic raw dumps for the benchmark, made from the seed and dev dumps.

    python -m benchmarks.generate --n 100 --out /tmp/bench-raw

``generate(n, out_dir, seed)`` writes ``out_dir/raw/`` (N dumps in the portal
formats the pipeline reads: NetEase-like plain text, Jina reader output, Cubox
clips and HTML pages; UTF-8, GB18030 and Big5 Traditional) and
``out_dir/html/`` (the same articles as plain UTF-8 HTML, for trafilatura).
Paragraphs are reshuffled from ``raw/*`` and ``../shared/corpus/dev/*.md``, so
entity mentions (黄仁勋, DeepSeek, 英伟达 ...) come from the real text.
Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_DIRS = (ROOT / "raw", ROOT.parent / "shared" / "corpus" / "dev")

FORMATS = ("netease", "jina", "cubox", "html")
SOURCES = ("量子位", "机器之心", "36氪", "甲子光年", "半导体行业观察", "新智元", "晚点LatePost", "极客公园")

_HAN = re.compile(r"[\u4e00-\u9fff]")
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>|\*\*|__|^#+\s*|^>\s*", re.M)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    source: str
    fmt: str
    encoding: str  # utf-8 | gb18030 | big5


def _read(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def seed_paragraphs(dirs: tuple[Path, ...] = SEED_DIRS) -> tuple[list[str], list[str]]:
    """(paragraphs, title candidates) from the seed dumps, in a stable order."""
    paragraphs: list[str] = []
    titles: list[str] = []
    files: list[Path] = []
    for d in dirs:
        if d.is_dir():
            files += sorted(p for p in d.iterdir() if p.is_file() and p.suffix in (".txt", ".md", ".html", ".htm"))
    seen: set[str] = set()
    for path in files:
        text = _LINK.sub(r"\1", _MARKUP.sub("", _read(path)))
        for block in re.split(r"\n\s*\n|\n(?=\S)", text):
            block = " ".join(block.split())
            han = len(_HAN.findall(block))
            if block in seen or han < 8:
                continue
            seen.add(block)
            if (8 <= len(block) <= 40 and han / len(block) > 0.5 and _HAN.match(block)
                    and not block.endswith(("。", "：", ":"))):
                titles.append(block)
            elif 30 <= len(block) <= 800 and han / len(block) > 0.4:
                paragraphs.append(block)
    if not paragraphs:
        raise SystemExit("no seed paragraphs found in " + ", ".join(map(str, dirs)))
    return paragraphs, titles or [p[:24] for p in paragraphs[:50]]


def make_articles(n: int, seed: int = 0) -> list[Article]:
    rng = random.Random(seed)
    paragraphs, titles = seed_paragraphs()
    base = datetime(2023, 1, 1, 8, 0, 0)
    articles = []
    for i in range(n):
        k = rng.randint(6, min(22, len(paragraphs)))
        paras = tuple(rng.sample(paragraphs, k))
        title = rng.choice(titles)
        if rng.random() < 0.5:  # keep titles distinct enough for slugs/dedupe
            title = f"{title}（{i + 1}）"
        enc = rng.choices(("utf-8", "gb18030", "big5"), weights=(70, 15, 15))[0]
        articles.append(
            Article(
                title=title,
                paragraphs=paras,
                published=base + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
                source=rng.choice(SOURCES),
                fmt=FORMATS[i % len(FORMATS)] if rng.random() < 0.8 else rng.choice(FORMATS),
                encoding=enc,
            )
        )
    return articles


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def render_dump(a: Article, rng: random.Random) -> tuple[str, str]:
    """(text, extension) of one dump in its portal format (still Unicode)."""
    body = "\n\n".join(a.paragraphs)
    when = a.published.strftime("%Y-%m-%d %H:%M:%S")  # NetEase dumps carry no date line (as in raw/000)
    if a.fmt == "netease":
        related = []
        for _ in range(rng.randint(3, 6)):
            t = rng.choice(a.paragraphs)[:rng.randint(14, 28)]
            stamp = (a.published + timedelta(hours=rng.randint(1, 90))).strftime("%Y-%m-%d %H:%M")
            related.append(f"{t}\n{rng.choice(SOURCES)} {stamp}")
        text = (
            f"网易首页 > 网易号 > 正文 申请入驻\n\n{a.title}\n\n0\n分享至\n\n"
            f"{body}\n\n0\n分享至\n\n相关推荐\n热点推荐\n\n" + "\n\n".join(related) + "\n"
        )
        return text, ".txt"
    if a.fmt == "jina":
        url = f"https://mp.weixin.qq.com/s/{_digest(a.title, when)}"
        text = (
            f"Title: {a.title}\n\nURL Source: {url}\n\n"
            f"Published Time: {a.published.strftime('%Y-%m-%dT%H:%M:%S')}+08:00\n\n"
            f"Markdown Content:\n{body}\n"
        )
        return text, ".md"
    if a.fmt == "cubox":
        biz = _digest(a.source)
        text = (
            f"{a.title}\n{'=' * 20}\n\n"
            f"[mp.weixin.qq.com](http://mp.weixin.qq.com/s?__biz={biz}&mid={rng.randint(10**9, 10**10)}"
            f"&idx=1&sn={_digest(a.title)}#rd){a.source} {a.source}\n\n{body}\n"
        )
        return text, ".md"
    charset = {"utf-8": "utf-8", "gb18030": "gb18030", "big5": "big5"}[a.encoding]
    ps = "\n".join(f"<p>{html.escape(p)}</p>" for p in a.paragraphs)
    text = (
        f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="{charset}">\n'
        f"<title>{html.escape(a.title)}_{a.source}</title>\n"
        f'<meta property="article:published_time" content="{a.published.isoformat()}+08:00">\n'
        f'<meta name="author" content="{a.source}">\n</head><body>\n'
        f'<div class="nav"><a href="/">首页</a> | <a href="/tech">科技</a></div>\n'
        f"<article><h1>{html.escape(a.title)}</h1>\n{ps}\n</article>\n"
        f'<div class="footer">© {a.source} 版权所有</div>\n</body></html>\n'
    )
    return text, ".html"


def simple_html(a: Article) -> str:
    """The same article as plain UTF-8 HTML (input for trafilatura)."""
    ps = "\n".join(f"<p>{html.escape(p)}</p>" for p in a.paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(a.title)}</title>\n'
        f'<meta property="article:published_time" content="{a.published.isoformat()}">\n</head>\n'
        f"<body><article><h1>{html.escape(a.title)}</h1>\n{ps}\n</article></body></html>\n"
    )


_S2T = None


def _to_traditional(text: str) -> str:
    global _S2T
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T.convert(text)


def encode(text: str, encoding: str, fmt: str) -> bytes:
    if encoding == "big5":
        text = _to_traditional(text)
    errors = "xmlcharrefreplace" if fmt == "html" else "replace"
    return text.encode(encoding, errors)


def generate(n: int, out_dir: Path, seed: int = 0) -> dict[str, int]:
    """Write N dumps to out_dir/raw and their HTML twins to out_dir/html."""
    out_dir = Path(out_dir)
    raw_dir, html_dir = out_dir / "raw", out_dir / "html"
    raw_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    stats = {"articles": 0, "raw_bytes": 0, "html_bytes": 0}
    for i, a in enumerate(make_articles(n, seed)):
        text, ext = render_dump(a, rng)
        data = encode(text, a.encoding, a.fmt)
        name = f"{i:05d}_{a.fmt}_{a.encoding.replace('-', '')}"
        (raw_dir / (name + ext)).write_bytes(data)
        twin = simple_html(a).encode("utf-8")
        (html_dir / (name + ".html")).write_bytes(twin)
        stats["articles"] += 1
        stats["raw_bytes"] += len(data)
        stats["html_bytes"] += len(twin)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(generate(args.n, args.out, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
