"""Near-duplicates (并单 candidates): reposts with small edits are found, different matters are not."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from nlp.dedupe import NearDuplicateIndex, Signer, compact, shingle_hashes

ORIGINAL = (
    "A市伊景园滨河苑捆绑销售车位",
    "伊景园滨河苑作为广铁集团定向商品房，不与购房者签订正规购房合同，强制收取18万5千元的认购金，"
    "同时捆绑销售车位每个12万，请相关部门调查处理，维护购房者的合法权益。",
)
REPOST = (
    "投诉伊景园滨河苑强制捆绑销售车位！",
    "伊景园滨河苑作为广铁集团定向商品房，不与购房者签订正规购房合同，强制收取18万5千元认购金，"
    "同时捆绑销售车位每个12万元，恳请相关部门调查处理，维护我们购房者的合法权益！",
)
OTHER = ("丽发新城附近搅拌站噪音扰民", "小区附近新建的搅拌站日夜施工，噪音和粉尘严重影响居民休息，请环保部门查处。")


def text(pair: tuple[str, str]) -> str:
    return pair[0] + "\n" + pair[1]


def test_a_repost_with_small_edits_is_found_and_a_different_matter_is_not() -> None:
    index = NearDuplicateIndex()
    assert index.add("a", text(ORIGINAL)) == []
    assert index.add("b", text(OTHER)) == []
    found = index.add("c", text(REPOST))
    assert [m.item_id for m in found] == ["a"] and 0.6 <= found[0].similarity < 1.0
    assert index.query(text(ORIGINAL))[0].similarity == 1.0
    assert len(index) == 3 and "c" in index


def test_spacing_punctuation_emoji_and_script_do_not_make_a_new_message() -> None:
    index = NearDuplicateIndex()
    index.add(1, text(ORIGINAL))
    variant = "  " + text(ORIGINAL).replace("，", " ").replace("。", "!!") + " 😡😡 "
    assert index.query(variant)[0].similarity == 1.0
    assert compact("ＡＢＣ，龍川縣！") == compact("abc 龙川县")


def test_signatures_equal_datasketch_and_survive_storage() -> None:
    datasketch = pytest.importorskip("datasketch")
    if not hasattr(datasketch.MinHash(), "scheme"):
        pytest.skip("datasketch < 2 uses another MinHash scheme")
    hashes = shingle_hashes(compact(text(ORIGINAL)))
    reference = datasketch.MinHash(num_perm=128, seed=1, hashfunc=lambda b: int.from_bytes(b, "little"))
    reference.update_batch([int(h).to_bytes(4, "little") for h in hashes])
    assert np.array_equal(np.asarray(reference.hashvalues, dtype=np.uint32), Signer().signature(hashes))

    index = NearDuplicateIndex()
    index.add("a", text(ORIGINAL))
    restored = NearDuplicateIndex()
    restored.add_signature("a", index.signature_bytes("a"))
    assert restored.query(text(REPOST)) == index.query(text(REPOST))
    with pytest.raises(ValueError, match="values"):
        restored.add_signature("x", b"\x00" * 12)


def test_rebuild_from_stored_texts_equals_adding_one_by_one() -> None:
    rows = [("a", text(ORIGINAL)), ("b", text(OTHER)), ("c", text(REPOST))]
    incremental = NearDuplicateIndex()
    for item_id, body in rows:
        incremental.add(item_id, body)
    rebuilt = NearDuplicateIndex.rebuild(rows)
    probe = text(REPOST) + "补充一句"
    assert rebuilt.query(probe) == incremental.query(probe)
    rebuilt.remove("a")
    assert [m.item_id for m in rebuilt.query(text(ORIGINAL))] == ["c"]


def test_short_or_empty_texts_are_not_compared() -> None:
    index = NearDuplicateIndex()
    assert index.add("a", "路灯坏了") == [] and index.add("b", "路灯坏了") == []
    assert index.add("c", "") == [] and len(index) == 0


def test_recent_matches_form_a_burst() -> None:
    index = NearDuplicateIndex()
    now = datetime(2026, 1, 10, 12)
    index.add("old", text(ORIGINAL), now - timedelta(days=3))
    index.add("new", text(ORIGINAL) + "。", now - timedelta(hours=2))
    matches = index.add("now", text(REPOST), now)
    assert {m.item_id for m in matches} == {"old", "new"}
    assert [m.item_id for m in index.recent(matches, now, timedelta(hours=24))] == ["new"]
