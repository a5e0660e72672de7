"""Site search: Pagefind over script-normalised Han bigrams (see docs/dev/search.md)."""

from build_tools.search.indexer import SearchStats, index_site
from build_tools.search.normalize import normalize, query_terms, t2s_char_map, tokens

__all__ = ["SearchStats", "index_site", "normalize", "query_terms", "t2s_char_map", "tokens"]
