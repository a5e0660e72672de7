"""Thin command line over the library: parse options, call build(), report.

Only the project's own :class:`~build_tools.model.errors.BuildError` becomes a one-line
``error:`` and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from build_tools import nochange
from build_tools.nochange import Tee

# build_tools.model (its records: ~30 dataclasses made at import) and build_tools.settings are imported where
# they are used: a build with nothing to do (:func:`_noop_check`) finishes before either is needed.
if TYPE_CHECKING:
    from build_tools.settings import Settings

Later = list[Callable[[], object]]  # work a `make site` build leaves for after the site step's `go` (see _build)


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, asking the terminal's width once: argparse makes a formatter for every option it
    adds, and each asked the terminal (a tenth of a no-op build's start)."""

    width: int | None = None

    def __init__(self, prog: str, **options):
        if _Formatter.width is None:
            import shutil

            _Formatter.width = shutil.get_terminal_size().columns - 2  # as argparse computes it
        options.setdefault("width", _Formatter.width)
        super().__init__(prog, **options)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m build_tools", description="中文文章存档构建工具",
                                     formatter_class=_Formatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="raw/ 中的原始存档 → docs/ 中的 Markdown 页面",
                                formatter_class=_Formatter)
    _build_options(build)
    site = commands.add_parser(
        "site", help="make site：先构建，成功后渲染站点、检查页面、更新搜索 "
                     "(python -m build_tools.site 的选项写在 -- 之后)",
        formatter_class=_Formatter)
    _build_options(site)
    site.add_argument("site_args", nargs=argparse.REMAINDER, metavar="-- SITE_OPTIONS",
                      help="python -m build_tools.site 的选项，例如 -- --site-dir site --docs docs")
    _add_serve_parser(commands)
    entities = commands.add_parser("entities", help="实体登记表工具", formatter_class=_Formatter)
    entities.add_argument("action", choices=["suggest"], help="suggest: 列出尚未登记的候选实体")
    entities.add_argument("--raw", type=Path, default=Path("raw"), help="原始存档目录 (默认 raw/)")
    entities.add_argument("--entities", type=Path, default=Path("entities.yml"), help="实体登记表")
    entities.add_argument("--min-count", type=int, default=2, help="至少出现几次才列出")
    return parser


def _build_options(build: argparse.ArgumentParser) -> None:
    """The build step's options (``build``, and ``site`` before its ``--``)."""
    build.add_argument("--raw", type=Path, default=Path("raw"), help="原始存档目录 (默认 raw/)")
    build.add_argument("--docs", type=Path, default=Path("docs"), help="输出目录 (默认 docs/)")
    build.add_argument("--report", type=Path, default=None, help="写出 JSON 报告的路径")
    build.add_argument("--strict", action="store_true", help="有任何存档被拒绝时以 1 退出")
    build.add_argument("--quiet", action="store_true", help="只打印错误 (适合 CI)")
    build.add_argument("--entities", type=Path, default=Path("entities.yml"), help="实体登记表 (默认 entities.yml)")
    build.add_argument("--overrides", type=Path, default=Path("overrides.yml"), help="人工更正 (默认 overrides.yml)")
    build.add_argument("--jobs", type=int, default=0, help="并行进程数 (默认每核一个)")
    build.add_argument("--no-cache", action="store_true", help="不使用内容哈希缓存")
    build.add_argument("--timings", action="store_true", help="在标准错误输出各阶段耗时")
    build.add_argument("--fetch-images", action="store_true",
                       help="把文章里的远程图片下载到 docs/assets/images/ (按内容哈希存放)，页面改用本地副本")
    build.add_argument("--rules", type=Path, default=None,
                       help="清理规则目录 (generic.yml + portals.yml；默认 build_tools/rules)")
    build.add_argument("--explain", type=Path, default=None, metavar="FILE",
                       help="不构建：逐块打印 FILE 的处理结果 (保留/删除/中性) 和决定它的规则或特征")
    build.add_argument("--deploy", action="store_true",
                       help="为发布而构建：必须给出站点的公开地址 (SITE_URL 或 --site-url)，否则报错退出")
    build.add_argument("--site-url", default=None, help="站点的公开地址 (默认读环境变量 SITE_URL)")
    build.add_argument("--publish-raw", action="store_true",
                       help="同时发布原样的原始存档 (articles/raw/<slug>.html，UTF-8，noindex)；默认只发布清理记录")
    build.add_argument("--added-record", type=Path, default=Path(".cache/added.json"),
                       help="不在 git 中的存档的收录日期记录 (默认 .cache/added.json)")


DEFAULT_ADDR = "127.0.0.1:8000"


def _add_serve_parser(commands) -> argparse.ArgumentParser:
    """The ``serve`` subcommand's options.  Defined here, not in build_tools.serve: importing the preview
    (its web server, the search indexer, jinja2) cost a build 0.7 s of its no-op floor."""
    serve = commands.add_parser(
        "serve", help="实时预览：构建、渲染变了的页面、更新搜索并提供网页；raw/、实体表或更正文件一变就增量更新",
        formatter_class=_Formatter)
    serve.add_argument("--raw", type=Path, default=Path("raw"), help="原始存档目录 (默认 raw/)")
    serve.add_argument("--docs", type=Path, default=Path("docs"), help="输出目录 (默认 docs/)")
    serve.add_argument("--entities", type=Path, default=Path("entities.yml"), help="实体登记表 (默认 entities.yml)")
    serve.add_argument("--overrides", type=Path, default=Path("overrides.yml"), help="人工更正 (默认 overrides.yml)")
    serve.add_argument("--addr", default=DEFAULT_ADDR, help=f"预览地址 (默认 {DEFAULT_ADDR})")
    serve.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="MkDocs 配置 (默认 mkdocs.yml)")
    serve.add_argument("--dirty", action="store_true",
                       help="保留旧选项：预览现在总是只重建内容变了的页面，导航与搜索不会过时")
    return serve


@contextlib.contextmanager
def ctrl_c_after_imports():
    """Hold Ctrl-C while the build's modules are imported and deliver it right after.  A SIGINT that lands
    while a C extension initialises (OpenCC's) comes out as ``ImportError: initialization failed``, a
    traceback instead of 'interrupted'; held, it arrives as KeyboardInterrupt where the CLI handles it."""
    held = hasattr(signal, "pthread_sigmask")
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if held else None
    try:
        yield
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code not in (0, None) else 0
    if args.command == "site":
        from build_tools.make_site import make_site

        build_args = _build_args(args)
        check = _noop_check(build_args)
        later: Later = []  # what the build leaves for after `go` (see _build)
        return make_site(args.site_args, lambda: _replay(check), lambda: _run(build_args, check, later),
                         lambda: _after_go(build_args, later))
    check = _noop_check(args) if args.command == "build" else None
    if (replayed := _replay(check)) is not None:
        return replayed  # nothing changed since the last build: the build is not even imported
    return _run(args, check)


def _build_args(args: argparse.Namespace) -> argparse.Namespace:
    """``site``'s options as ``build``'s: the build keeps the same no-op stamp as ``make build``'s."""
    return argparse.Namespace(**{**{k: v for k, v in vars(args).items() if k != "site_args"}, "command": "build"})


def _run(args: argparse.Namespace, check: nochange.Check | None, later: Later | None = None) -> int:
    """One command, its errors as one line and its exit code (``later``: see :func:`_build`)."""
    from build_tools.model.errors import BuildError

    try:
        if args.command == "build":
            return _build(args, check, later)
        if args.command == "serve":
            with ctrl_c_after_imports():
                from build_tools.serve import serve_main

            return serve_main(args)
        from build_tools.suggest import suggest_main

        return suggest_main(args)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # Ctrl-C: one line, and the shell's code for it
        if args.command != "build":
            print("interrupted", file=sys.stderr)
        elif getattr(stop, "output_changed", False):
            print("interrupted; the new output was already in place", file=sys.stderr)
        else:
            print("interrupted, previous output kept", file=sys.stderr)
        return 130


def _noop_check(args: argparse.Namespace) -> nochange.Check | None:
    """The build step's no-op check (:mod:`build_tools.nochange`): a build whose inputs, output and code are
    as the last build left them prints what that build printed and exits with its code, without importing
    the build.  Its inputs: raw/, entities.yml, overrides.yml, the rules, and where raw/ lies in a git work
    tree, the commit its history ends at (the added dates come from it); its outputs: docs/ (generations
    included) and the added-date record, which is read but written only by the build (its first sightings).
    Git replaces a ref or HEAD (a lock file renamed over it), never rewrites one: settled, not racy.  None for
    builds that do more than report (``--report``, ``--timings``) or that must run (``--fetch-images``,
    ``--no-cache``)."""
    if args.report or args.timings or args.fetch_images or args.no_cache or args.explain is not None:
        return None
    facts = [*nochange.options("build", args), f"cache={Path('.cache/build').resolve()}", f"terminal={_terminal()}",
             *(f"env {name}={value}" for name, value in sorted(os.environ.items())
               if name in ("SITE_URL", "SOURCE_DATE_EPOCH") or name.startswith("GIT_"))]
    git = _git_files(args.raw)
    inputs = (args.raw, args.entities, args.overrides, *([args.rules] if args.rules else []))
    return nochange.Check("build", facts, lambda: [*facts, *(_head(path) for path in git)],
                          lambda: nochange.Places(inputs=inputs, settled=tuple(git),
                                                  outputs=(*_docs_as_built(args.docs), args.added_record)))


def _replay(check: nochange.Check | None) -> int | None:
    """The last build's exit code, its output printed again, when nothing changed since; else None."""
    said = check.replay() if check is not None else None
    if said is None or not isinstance(said.get("code"), int):
        return None
    sys.stdout.write(str(said.get("stdout", "")))
    sys.stderr.write(str(said.get("stderr", "")))
    return said["code"]


def _docs_as_built(docs: Path) -> list[Path]:
    """docs/ as the build leaves it: its entries, the generated names' links and the current generation (not
    the spare one the writer keeps to build the next in: half the files at no use)."""
    try:
        entries = sorted(os.scandir(docs), key=lambda e: e.name)
    except OSError:
        return [docs]
    found: list[Path] = []
    for entry in entries:
        if entry.name != ".generated":
            found.append(Path(entry.path))
            continue
        current = Path(entry.path) / "current"
        found += [current, Path(os.path.realpath(current))]
    return found


def _terminal() -> str:
    """What the summary's look depends on: a terminal (colours, its width) or not."""
    import shutil

    return f"{shutil.get_terminal_size()}" if sys.stderr.isatty() else "not a terminal"


def _git_files(raw: Path) -> list[Path]:
    """The files that say which commit raw/'s git history ends at (HEAD, its branch, the packed refs, a shallow
    clone's marker), when raw/ lies in a git work tree; none otherwise."""
    here = raw.resolve()
    for folder in (here, *here.parents):
        dot = folder / ".git"
        if dot.is_dir():
            git = common = dot
            break
        if dot.is_file():  # a linked work tree: "gitdir: <its folder>", which names the shared one
            text = dot.read_text(encoding="utf-8", errors="replace").strip()
            git = (folder / text.removeprefix("gitdir:").strip()).resolve()
            common_file = git / "commondir"
            common = (git / common_file.read_text().strip()).resolve() if common_file.is_file() else git
            break
    else:
        return []
    head = git / "HEAD"
    files = [*([dot] if dot.is_file() else []), head, common / "packed-refs", git / "shallow", common / "shallow"]
    try:
        ref = head.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return files
    if ref.startswith("ref:"):
        files.append(common / ref.removeprefix("ref:").strip())
    return files


def _head(path: Path) -> str:
    """A git file's text (HEAD: the branch or commit it names): a checkout can keep a file's stat but not this."""
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() and path.stat().st_size < 4096 \
            else ""
    except OSError:
        return ""


def _after_go(args: argparse.Namespace, later: Later) -> None:
    """`make site`, once the site step runs: the build's records for the next build, then its no-op stamp (the
    stamp last: a stamp names a run whose work is all done)."""
    _write_deferred(args)
    for work in later:
        work()


def _write_deferred(args: argparse.Namespace) -> None:
    """`make site`: the records the build left for the next build (``defer_latest``), written while the site step
    renders on the other core; a failure costs the next build time only, so it is one warning."""
    from build_tools.model.errors import BuildError
    from build_tools.pipeline import write_deferred

    try:
        write_deferred(build_settings(args))
    except (BuildError, OSError) as error:
        print(f"warning: the build's records for the next build were not kept: {error}", file=sys.stderr)


def build_settings(args: argparse.Namespace, defer_latest: bool = False) -> Settings:
    """The build's settings from its options (raises UsageError or ConfigError for impossible ones)."""
    from build_tools.model.errors import ConfigError, UsageError
    from build_tools.settings import RULES_DIR, Settings

    if not args.raw.is_dir():
        raise UsageError(f"raw directory not found: {args.raw}")
    raw = args.raw.resolve()
    for what, path in (("report", args.report), ("cache", Path(".cache/build")),
                       ("added-date record", args.added_record)):
        if path is not None and (path.resolve() == raw or raw in path.resolve().parents):
            raise UsageError(f"refusing to write the {what} under the raw directory ({path})")
    rules = args.rules or RULES_DIR
    missing = [name for name in ("generic.yml", "portals.yml") if not (rules / name).is_file()]
    if missing:
        raise ConfigError(f"rules directory {rules} lacks {', '.join(missing)}", path=str(rules))
    return Settings(
        raw_dir=args.raw,
        docs_dir=args.docs,
        report_path=args.report,
        strict=args.strict,
        quiet=args.quiet,
        entities_path=args.entities,
        overrides_path=args.overrides,
        jobs=args.jobs,
        use_cache=not args.no_cache,
        rules_dir=rules.resolve(),
        fetch_images=args.fetch_images,
        deploy=args.deploy,
        publish_raw=args.publish_raw,
        added_record=args.added_record,
        defer_latest=defer_latest,
        **({"site_url": args.site_url} if args.site_url else {}),
    )


def _build(args: argparse.Namespace, check: nochange.Check | None = None,
           later: Later | None = None) -> int:
    """The build step.  ``later`` (`make site`): the work only the next run reads — the build's records
    (``defer_latest``) and its no-op stamp — is appended there, done once the site step was told to go."""
    if args.explain is not None:
        return _explain(args)
    with ctrl_c_after_imports():
        from build_tools.pipeline import build
        from build_tools.progress import Console

    settings = build_settings(args, defer_latest=later is not None)
    console = Console(quiet=args.quiet)
    try:
        report = build(settings, progress=console.progress)
    finally:
        console.stop()
    try:
        with Tee() as said:
            code = _results(args, report, console)
        if check is not None:  # its output and code kept for the next build, when it ended as it began
            # The stamp's last look walks raw/ and docs/ (~0.15 s at 10k): in `make site` it is taken after `go`,
            # on the core the build leaves, as the site step only reads docs/ and raw/.  Taken later, it still
            # records a run that ended as it began (an edit meanwhile: no stamp).  A failed build has no `go`
            # and no site step to overlap: its stamp is taken now, as `make build` takes it.
            settle = partial(check.settle, {"stdout": said.stdout, "stderr": said.stderr, "code": code})
            if later is None or code != 0:
                settle()
            else:
                later.append(settle)
        return code
    except KeyboardInterrupt:
        from build_tools.model.errors import Interrupted

        raise Interrupted(output_changed=True) from None


def _explain(args: argparse.Namespace) -> int:
    """``build --explain FILE``: nothing is built or written; exit 0 when FILE would be published, else 1."""
    from build_tools.explain import explain
    from build_tools.model.errors import UsageError
    from build_tools.settings import RULES_DIR

    if not args.explain.is_file():
        raise UsageError(f"no such file: {args.explain}")
    rules = args.rules or RULES_DIR
    return explain(args.explain, rules.resolve())


def _results(args: argparse.Namespace, report, console) -> int:
    """The rejections, the warnings, the report file, the summary; the exit code."""
    from build_tools.model.errors import OutputError

    for item in sorted(report.rejected, key=lambda i: i.raw):
        print(f"{item.raw}: rejected: {item.reason}", file=sys.stderr)
    for line in report.warning_lines():
        print(f"warning: {line}", file=sys.stderr)
    if args.report:
        try:
            args.report.parent.mkdir(parents=True, exist_ok=True)
            args.report.write_text(report.to_json(), encoding="utf-8")
        except OSError as error:  # a full disk, say: docs/ is built, only the report is missing
            raise OutputError(f"cannot write the report {args.report}: {error.strerror or error}") from error
    console.summary(report)
    if args.timings:
        stages = " · ".join(f"{stage} {seconds:.2f} s" for stage, seconds in report.timings)
        print(f"timings: {stages} · {report.changed_files} files changed in {args.docs}", file=sys.stderr)
    return 1 if args.strict and report.rejected else 0
