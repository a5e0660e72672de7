"""What Pagefind is given: one synthetic page per page of the site, indexed shard by shard, each shard an index
of its own in a Pagefind service that a worker keeps for all its shards (see indexer.py)."""

from __future__ import annotations

import asyncio
import html
from pathlib import Path

from pagefind.service import PagefindService

from build_tools.search.bundle import wait_for_bundle
from build_tools.search.extract import Page
from build_tools.search.normalize import NAME_END, SEPARATOR, token_stream

INDEX_LANGUAGE = "en"
# Records in flight to the Pagefind service at once (bounds memory and pipes).
IN_FLIGHT = 16
# Positions of the title (see head_tokens); query.js has the same number.
TITLE_SLOTS = 64
# An entity page's description names other things ("英伟达的GPU" on the A800 page):
# it counts less than an article's text, and the entity's own name and aliases (in
# the <h1>) count most.
BODY_WEIGHT = {"article": 1.0, "page": 1.0, "entity": 0.3}


def head_tokens(page: Page) -> str:
    """The title's tokens at positions 0.., NAME_END, SEPARATOR up to position TITLE_SLOTS,
    then every alias followed by NAME_END. So the browser ranks from a match's position alone: before
    TITLE_SLOTS it is in the title; "<phrase> NAME_END" at 0 is the whole title, after it a whole alias."""
    title = token_stream(page.title).split()
    head = [*title, NAME_END, *[SEPARATOR] * max(1, TITLE_SLOTS - len(title) - 1)]
    for alias in page.aliases:
        if toks := token_stream(alias).split():
            head += [*toks, NAME_END, SEPARATOR]
    return " ".join(head)


def record_html(page: Page) -> str:
    """Synthetic page handed to Pagefind: tokens to index + original text as metadata."""
    e = html.escape
    meta = {"title": page.title, "kind": page.kind, "aliases": " · ".join(page.aliases), "date": page.date,
            "source": page.source, "entities": ",".join(page.entities)}  # fmt: skip
    return (
        '<html lang="en"><head><title>x</title></head><body><main data-pagefind-body>'
        f'<h1 data-pagefind-weight="10">{head_tokens(page)}</h1>'
        f'<p data-pagefind-weight="{BODY_WEIGHT[page.kind]}">{token_stream(page.text)}</p>'
        "<div data-pagefind-ignore>"
        + "".join(f'<span data-pagefind-meta="{k}">{e(v)}</span>' for k, v in meta.items() if v)
        + "</div></main></body></html>"
    )


class _FastService(PagefindService):
    """PagefindService whose reader does not sleep 0.1 s per response.

    The stock poller reads one response and then sleeps 100 ms, which caps
    indexing at ten pages a second; it also keeps every response forever.
    """

    async def _wait_for_responses(self) -> None:  # pragma: no cover - exercised via index_site
        import base64
        import json

        assert self._backend.stdout is not None
        while True:
            output = await self._backend.stdout.readuntil(b",")
            resp = json.loads(base64.b64decode(output[:-1]))
            if resp is None:
                continue
            message_id = resp.get("message_id")
            payload = resp["payload"]
            if message_id is None and (orig := payload.get("original_message")):
                message_id = json.loads(orig).get("message_id")
            future = self._responses.pop(message_id, None) if message_id is not None else None
            if future is None or future.done():
                continue
            if payload["type"] == "Error":
                future.set_exception(Exception(payload["message"], payload.get("original_message")))
            else:
                future.set_result(payload)

    async def close(self) -> None:
        """Let the service finish its writes (EOF on stdin) before it is stopped.

        The stock ``close`` terminates the process right after the last
        response, which can leave files of ``write_files`` truncated.
        """
        self._poll_task.cancel()
        if self._backend.stdin is not None:
            self._backend.stdin.close()
        try:
            await asyncio.wait_for(self._backend.wait(), timeout=30)
        except asyncio.TimeoutError:
            self._backend.terminate()
            await self._backend.wait()


def _vm_hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def launch() -> PagefindService:
    """A Pagefind service for several shards in turn (index_shard); ``close()`` it when done."""
    return await _FastService().launch()


async def index_shard(urls: list[str], records: list[str], out: Path, service: PagefindService | None = None) -> float:
    """Index the pages at ``urls`` into ``out`` with ``service`` (an index of its own, deleted after), or a
    fresh Pagefind process; return the process's peak RSS (MB).  Why a shared service: a worker builds
    many small shards, and a Pagefind process per shard was ~17 ms CPU of start-up and stop each."""
    if service is not None:
        return await _index_with(service, urls, records, out)
    service = await launch()
    try:
        return await _index_with(service, urls, records, out)
    finally:
        await service.close()


async def _index_with(service: PagefindService, urls: list[str], records: list[str], out: Path) -> float:
    index = await service.create_index({"force_language": INDEX_LANGUAGE, "output_path": str(out)})
    try:
        pending: set[asyncio.Task] = set()
        for url, record in zip(urls, records, strict=True):
            task = asyncio.ensure_future(index.add_html_file(content=record, url=url))
            pending.add(task)
            if len(pending) >= IN_FLIGHT:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    t.result()
        for t in pending:
            await t
        await index.write_files(str(out))
        await asyncio.to_thread(wait_for_bundle, out)
    finally:
        await index.delete_index()
    return _vm_hwm_mb(service._backend.pid)
