"""The images step: how each article's pictures are shown, from the image store, fetching with
``build --fetch-images``.

Without the flag nothing is fetched: a picture the store holds (``docs/assets/images/sources.json``
names it) is shown from there, any other from its remote address, so a build stays offline and its
output depends only on raw/ and the store.  With the flag, every picture the store lacks is downloaded
once (the original behind a proxy's address, see ``stages/images.original_url``) and kept; a picture
that cannot be fetched is one warning naming its address and the article, and the page keeps the
remote address.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from build_tools.archive.prepared import Published
from build_tools.archive.views import LinkedView
from build_tools.config.rules import load_rules
from build_tools.model.records import BuildWarning
from build_tools.runtime.images import Fetched, Fetcher, ImageStore, NotFetched
from build_tools.settings import Settings
from build_tools.stages.images import Picture, original_url


def pictures_for(settings: Settings, published: Sequence[Published], views: Sequence[LinkedView],
                 shown: Callable[[str], str]) -> tuple[dict[str, tuple[Picture, ...]], list[BuildWarning]]:
    """slug → how each of its images is shown; and the warnings of pictures that could not be fetched."""
    if not any(view.images for view in views):
        return {}, []
    store = ImageStore(settings.docs_dir, settings.raw_dir)
    params = load_rules(settings.rules_dir).image_proxy_params
    fetcher = Fetcher(settings.max_image_bytes, settings.image_host_interval, settings.images_from_private_hosts)
    failed: dict[str, str] = {}  # address → why not: asked once per build, however many articles show it
    warnings: list[BuildWarning] = []
    out: dict[str, tuple[Picture, ...]] = {}
    for item, view in zip(published, views, strict=True):
        pictures = []
        for src in view.images:
            url = original_url(src, params)
            local = store.file_for(src) or store.file_for(url)
            if local is None and settings.fetch_images:
                local, reason = _fetch(store, fetcher, src, url, failed)
                if reason:
                    warnings.append(BuildWarning(shown(item.raw_path), "image", f"image {url} not kept: {reason}"))
            if local or url != src:
                pictures.append(Picture(src, url, local or ""))
        if pictures:
            out[view.summary.slug] = tuple(pictures)
    store.save()
    return out, warnings


def _fetch(store: ImageStore, fetcher: Fetcher, src: str, url: str, failed: dict[str, str]) -> tuple[str | None, str]:
    """(the store's file, "") once ``url`` is kept; (None, why not) when it cannot be."""
    if url in failed:
        return None, failed[url]
    got = fetcher.fetch(url)
    if isinstance(got, NotFetched):
        failed[url] = got.reason
        return None, got.reason
    assert isinstance(got, Fetched)
    return store.put(got.data, got.ext, *dict.fromkeys((src, url))), ""
