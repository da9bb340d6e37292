"""The feature cache: whole shards only, first write wins, nothing duplicated, damage ignored."""

from __future__ import annotations

import numpy as np

from moviegenre.encoders.cache import FeatureCache, content_key


def _rows(n, d=4, start=0):
    keys = [content_key(f"text {i}") for i in range(start, start + n)]
    feats = np.arange(start * d, (start + n) * d, dtype=np.float32).reshape(n, d)
    return keys, feats


def _all_rows(cache: FeatureCache) -> int:
    from safetensors.numpy import load_file

    return sum(len(load_file(str(p))["keys"]) for p in cache._shards())


def test_round_trip_across_instances(tmp_path):
    c = FeatureCache(tmp_path, "enc@1")
    keys, feats = _rows(5)
    present = np.array([1, 1, 0, 1, 1], bool)
    c.put(keys, feats * present[:, None], present, {2: "corrupt image"})
    fresh = FeatureCache(tmp_path, "enc@1")  # what another process sees
    assert len(fresh) == 5 and fresh.dim == 4
    f, ok, why = fresh.get(keys[2])
    assert not ok and why == "corrupt image" and not f.any()
    f, ok, why = fresh.get(keys[3])
    assert ok and why == "" and f.tolist() == feats[3].tolist()
    assert fresh.get(content_key("never seen")) is None
    assert FeatureCache(tmp_path, "enc@2").get(keys[0]) is None  # another version is another folder


def test_no_duplicates(tmp_path):
    c = FeatureCache(tmp_path, "enc@1")
    keys, feats = _rows(4)
    c.put(keys + keys[:2], np.concatenate([feats, feats[:2]]), np.ones(6, bool))  # repeats in one batch
    c.put(keys, feats, np.ones(4, bool))  # all known: no new shard
    assert len(c._shards()) == 1 and _all_rows(c) == 4
    # two processes computing the same rows at once: both shards land, readers dedupe, compact drops extras
    other = FeatureCache(tmp_path, "enc@1")
    other._index = {}
    other.put(keys, feats + 100, np.ones(4, bool))
    reader = FeatureCache(tmp_path, "enc@1")
    assert len(reader) == 4 and _all_rows(reader) == 8
    assert reader.compact(min_shards=2)
    assert len(reader._shards()) == 1 and _all_rows(reader) == 4
    assert len(FeatureCache(tmp_path, "enc@1")) == 4


def test_compact_keeps_everything(tmp_path):
    c = FeatureCache(tmp_path, "enc@1")
    for s in range(0, 30, 3):
        keys, feats = _rows(3, start=s)
        c.put(keys, feats, np.ones(3, bool), {1: "odd"})
    assert not c.compact(min_shards=50) and len(c._shards()) == 10
    assert c.compact(min_shards=10) and len(c._shards()) == 1
    fresh = FeatureCache(tmp_path, "enc@1")
    keys, feats = _rows(30)
    for i, k in enumerate(keys):
        f, _ok, why = fresh.get(k)
        assert f.tolist() == feats[i].tolist() and why == ("odd" if i % 3 == 1 else "")


def test_damaged_and_partial_files_are_ignored(tmp_path, caplog):
    c = FeatureCache(tmp_path, "enc@1")
    keys, feats = _rows(3)
    c.put(keys, feats, np.ones(3, bool))
    (c.dir / "shard-99999999999999999999-1-bad.safetensors").write_bytes(b"\x00\x01 not a shard")
    (c.dir / ".shard-00000000000000000001-1-x.safetensors.tmp").write_bytes(b"half written")
    fresh = FeatureCache(tmp_path, "enc@1")
    assert len(fresh) == 3
    assert "ignoring unreadable cache shard" in caplog.text
    # a shard of another width (written by a different model under the same name) is ignored too
    other = FeatureCache(tmp_path, "enc@1")
    other._index, other.dim = {}, None
    other.put([content_key("wide")], np.ones((1, 9), np.float32), np.ones(1, bool))
    assert len(FeatureCache(tmp_path, "enc@1")) == 3
    assert len(FeatureCache(tmp_path, "enc@1", dim=9)) == 1  # the expected width decides, not the first shard


def test_content_key_is_content_only():
    assert content_key("abc") == content_key(b"abc") and len(content_key("abc")) == 32
    assert content_key("abc") != content_key("abd")


def test_refresh_sees_other_writers_and_shared_instance(tmp_path):
    a = FeatureCache(tmp_path, "enc@1")
    b = FeatureCache(tmp_path, "enc@1")  # another process
    keys, feats = _rows(4)
    a.put(keys[:2], feats[:2], np.ones(2, bool))
    assert len(b) == 2
    a.put(keys[2:], feats[2:], np.ones(2, bool))
    assert b.get(keys[3]) is None and b.refresh() == 1 and b.get(keys[3])[0].tolist() == feats[3].tolist()
    assert FeatureCache.shared(tmp_path, "enc@1") is FeatureCache.shared(str(tmp_path), "enc@1")
    assert FeatureCache.shared(tmp_path, "enc@1") is not FeatureCache.shared(tmp_path, "enc@2")
