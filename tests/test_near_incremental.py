"""Issue 15: the near-duplicate pass kept between builds (:class:`NearIndex`) gives what the pass from nothing
gives (:func:`near_duplicates`), whatever bodies come, go or change, and works only on those."""

from __future__ import annotations

import pickle
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.archive import dedupe
from build_tools.archive.dedupe import NearIndex, near_duplicates

# Few sentences, so that bodies share many; a linking limit of 4 bodies, so that additions and removals make
# sentences start and stop linking (at the real limit of 50 an example would need 50 bodies).
SENTENCES = [f"s{i}" for i in range(9)]
LIMIT = 4
prints = st.frozensets(st.sampled_from(SENTENCES), max_size=7)
# One change: add a body, drop one (by its rank among those there), or edit one (a new key for new content).
change = st.one_of(st.tuples(st.just("add"), prints), st.tuples(st.just("drop"), st.integers(0, 20)),
                   st.tuples(st.just("edit"), st.integers(0, 20), prints))


@settings(max_examples=300, deadline=None)
@given(start=st.lists(prints, max_size=12), changes=st.lists(st.lists(change, min_size=1, max_size=3), max_size=5),
       forget=st.integers(0, 6))
def test_the_kept_index_updated_by_the_changes_equals_the_pass_from_nothing(start, changes, forget) -> None:
    seen: dict[str, frozenset[str]] = {}  # every body ever built: the store keeps their prepared records
    bodies: list[tuple[str, frozenset[str]]] = []
    serial = 0

    def new_body(fp: frozenset[str]) -> tuple[str, frozenset[str]]:
        nonlocal serial
        serial += 1
        seen[f"k{serial}"] = fp
        return f"k{serial}", fp

    def prints_of(keys: list[str]):
        return {k: seen[k] for k in keys}

    with mock.patch.object(dedupe, "COMMON_SENTENCE_LIMIT", LIMIT):
        bodies = [new_body(fp) for fp in start]
        index = NearIndex()
        assert index.update(bodies, prints_of) == near_duplicates([fp for _, fp in bodies])
        for step, batch in enumerate(changes):
            for what in batch:
                if what[0] == "add":
                    bodies.insert(len(bodies) // 2, new_body(what[1]))  # in the middle: positions shift
                elif bodies and what[0] == "drop":
                    del bodies[what[1] % len(bodies)]
                elif bodies:
                    bodies[what[1] % len(bodies)] = new_body(what[2])
            index = pickle.loads(pickle.dumps(index))  # as the store keeps it between builds
            lost = step == forget  # the store lost the records of the bodies that left: all is worked out again
            got = index.update(bodies, (lambda keys: None) if lost else prints_of)
            assert got == near_duplicates([fp for _, fp in bodies])


def test_one_added_body_works_out_the_pairs_of_the_bodies_it_shares_sentences_with_alone() -> None:
    # 300 bodies of 10 sentences of their own and one in all of them (too common to link anything).
    bodies = [(f"k{i}", frozenset({f"own{i}-{j}" for j in range(10)} | {"everywhere"})) for i in range(300)]
    index = NearIndex()
    index.update(bodies, lambda keys: None)
    with mock.patch.object(NearIndex, "_pair", autospec=True, side_effect=NearIndex._pair) as paired:
        got = index.update([*bodies[:100], ("copy", bodies[7][1]), *bodies[100:]], lambda keys: {})
    # The copy, and the body whose sentences it made linking (in one body before, two now): not the 298 others.
    assert sorted(call.args[1] for call in paired.call_args_list) == ["copy", "k7"]
    assert got == {100: 7}  # the copy, at position 100, is a duplicate of the body at 7 (the first of the two)
