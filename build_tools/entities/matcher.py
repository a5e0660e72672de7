"""The alias automaton: find entity mentions in a string.

Rules (documented for editors in entities.yml):

* Script-blind: text and aliases are compared through :func:`normalize.key`
  (per-character OpenCC t2s, ASCII lower case), which keeps offsets aligned
  with the original text.
* Longest match first: overlapping candidates are resolved longest-first
  (then leftmost), so ``DeepSeek-R1`` beats ``DeepSeek``.
* Latin edges need word boundaries: an alias that starts (ends) with an ASCII
  letter or digit only matches when the character before (after) it is not
  one, so ``Meta`` is not found in ``Metadata`` nor ``AMD`` in ``AMDX``.
  CJK edges need none.
* Case: Latin aliases of five or more characters match in any case
  (``Deepseek``, ``NVIDIA``); purely Latin aliases of up to four characters
  (``AMD``, ``Meta``, ``Arm``) only in the case written in the registry.
* Aliases are at least two characters long (schema); a name of one character
  is never matched.
* ``not_in`` phrases (e.g. 老黄历) take part in longest-match resolution and
  swallow the alias they contain, without producing a mention.
* ``ambiguous`` aliases come back flagged; the caller decides with context.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick

from build_tools.entities.normalize import is_latin_word_char, key
from build_tools.entities.registry import Registry

SHORT_LATIN = 4


@dataclass(frozen=True)
class Pattern:
    entity_id: str | None  # None: a not_in blocker
    latin_start: bool
    latin_end: bool
    exact: frozenset[str] | None  # case-sensitive surfaces (short Latin aliases)
    context: tuple[str, ...] | None  # key()-normalised context words for ambiguous aliases
    length: int


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entity_id: str
    surface: str
    context: tuple[str, ...] | None = None  # set for ambiguous aliases

    @property
    def ambiguous(self) -> bool:
        return self.context is not None


def _half(s: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in s)


def _pattern(entity_id: str | None, form: str, context: tuple[str, ...] | None) -> Pattern:
    short = form.isascii() and len(form) <= SHORT_LATIN and any(c.isalpha() for c in form)
    return Pattern(
        entity_id=entity_id,
        latin_start=is_latin_word_char(form[0]),
        latin_end=is_latin_word_char(form[-1]),
        exact=frozenset({form}) if short else None,
        context=tuple(key(c) for c in context) if context is not None else None,
        length=len(form),
    )


def _merge(a: Pattern, b: Pattern) -> Pattern:
    if a.entity_id != b.entity_id:  # an alias wins over a blocker of another entity
        return a if a.entity_id is not None else b
    exact = None if a.exact is None or b.exact is None else a.exact | b.exact
    context = None if a.context is None or b.context is None else tuple(dict.fromkeys(a.context + b.context))
    return Pattern(a.entity_id, a.latin_start, a.latin_end, exact, context, a.length)


class AliasIndex:
    """Immutable alias automaton built from a :class:`Registry`."""

    __slots__ = ("_automaton", "_registry", "_patterns", "_frozen")

    def __init__(self, registry: Registry, automaton: ahocorasick.Automaton, patterns: dict[str, Pattern]):
        object.__setattr__(self, "_registry", registry)
        object.__setattr__(self, "_automaton", automaton)
        object.__setattr__(self, "_patterns", patterns)
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("AliasIndex is immutable")

    def __reduce__(self):
        """Pickled whole, automaton included (pyahocorasick pickles its trie), so the build cache can keep it."""
        return (AliasIndex, (self._registry, self._automaton, self._patterns))

    @classmethod
    def build(cls, registry: Registry) -> AliasIndex:
        patterns: dict[str, Pattern] = {}

        def add(k: str, p: Pattern) -> None:
            patterns[k] = _merge(patterns[k], p) if k in patterns else p

        for ent in registry.entities:
            if ent.no_autolink:
                continue
            for form in ent.surfaces:
                add(key(form), _pattern(ent.id, form, None))
            for amb in ent.ambiguous:
                add(key(amb.alias), _pattern(ent.id, amb.alias, amb.context))
            for phrase in ent.not_in:
                add(key(phrase), _pattern(None, phrase, None))
        automaton = ahocorasick.Automaton()
        for k, p in patterns.items():
            automaton.add_word(k, p)
        if patterns:
            automaton.make_automaton()
        return cls(registry, automaton, patterns)

    @property
    def registry(self) -> Registry:
        return self._registry

    def __len__(self) -> int:
        return len(self._patterns)

    def find(self, text: str, lo: int = 0, hi: int | None = None, text_key: str | None = None) -> list[Match]:
        """Mentions in ``text[lo:hi]``, non-overlapping, in text order.

        Word boundaries are checked against ``text`` outside the window too.
        ``text_key`` may pass a precomputed ``key(text)``.
        """
        if not self._patterns:
            return []
        hi = len(text) if hi is None else hi
        k = text_key if text_key is not None else key(text)
        window = k[lo:hi]
        cands: list[tuple[int, int, Pattern]] = []
        for end_i, p in self._automaton.iter(window):
            end = lo + end_i + 1
            start = end - p.length
            if p.latin_start and start > 0 and is_latin_word_char(text[start - 1]):
                continue
            if p.latin_end and end < len(text) and is_latin_word_char(text[end]):
                continue
            if p.exact is not None and _half(text[start:end]) not in p.exact:
                continue
            cands.append((start, end, p))
        if not cands:
            return []
        cands.sort(key=lambda c: (c[0] - c[1], c[0]))  # longest first, then leftmost
        taken: list[tuple[int, int, Pattern]] = []
        occupied = bytearray(hi - lo)
        for start, end, p in cands:
            if any(occupied[start - lo : end - lo]):
                continue
            occupied[start - lo : end - lo] = b"\x01" * (end - start)
            taken.append((start, end, p))
        taken.sort(key=lambda c: c[0])
        return [
            Match(s, e, p.entity_id, text[s:e], p.context) for s, e, p in taken if p.entity_id is not None
        ]

    def entity_for(self, surface: str) -> str | None:
        """The entity whose alias is exactly ``surface`` (script- and case-blind), if any."""
        p = self._patterns.get(key(surface))
        return p.entity_id if p else None

    def jieba_userdict(self, freq: int = 100000) -> str:
        """Lines ``word freq nz`` for jieba.load_userdict: every name and alias, both scripts.

        Forms with whitespace are left out (jieba never yields tokens containing spaces).
        """
        words: dict[str, None] = {}
        for ent in self._registry.entities:
            forms = (ent.name, *ent.aliases, *(a.alias for a in ent.ambiguous))
            for form in forms:
                if len(form) >= 2 and not any(c.isspace() for c in form):
                    words.setdefault(form)
                    simp = key(form) if not form.isascii() else form
                    words.setdefault(simp)
        return "".join(f"{w} {freq} nz\n" for w in words)
