"""``--engine ray`` on a local Ray of 2 CPUs: the same predictions as the local engine (Parquet with
poster paths and bytes, JSONL with bad rows), and ``embed`` writing cache shards a later run reads."""

from __future__ import annotations

import json
import os
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import make_movies
from serving_helpers import tiny_model_dir

from moviegenre.batch import embed_file, predict_file
from moviegenre.cli.common import load_classifier
from moviegenre.config import BatchConfig, EncoderConfig

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow
RAY = BatchConfig(engine="ray", batch_size=8)


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module (the engine joins it instead of starting its own each time)."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield
    ray.shutdown()


def _rows(tmp_path, n=30):
    rows = []
    for i, m in enumerate(make_movies(tmp_path, n=n, seed=5)):
        row = {"key": m.key, "title": m.title, "overview": m.overview, "genres": list(m.genres)}
        row["production_companies"] = list(m.companies) if m.companies is not None else None
        # every row has both columns (pyarrow takes the columns from the first row)
        row["poster_bytes"] = open(m.poster, "rb").read() if i % 2 else None
        row["poster"] = None if i % 2 else os.path.relpath(m.poster, tmp_path)
        rows.append(row)
    rows[4]["poster"] = "../../etc/passwd"  # refused, counted as an issue, the movie kept
    rows.append({"key": None, "title": None})  # skipped
    rows.append(dict(rows[0]))  # duplicate key
    return rows


def _scores(path):
    t = pq.read_table(path)
    cols = [c for c in t.column_names if c.startswith("score_")]
    return t.column("key").to_pylist(), np.stack([t.column(c).to_numpy() for c in cols], 1), t


def _both(tmp_path, data):
    load = partial(load_classifier, str(tiny_model_dir()))
    local = predict_file(data, tmp_path / "local.parquet", load=load, progress=False)
    ray_run = predict_file(data, tmp_path / "ray.parquet", load=load, config=RAY, progress=False)
    for k in ("written", "skipped", "issues"):
        assert local[k] == ray_run[k], k
    keys_l, s_l, t_l = _scores(tmp_path / "local.parquet")
    keys_r, s_r, t_r = _scores(tmp_path / "ray.parquet")
    assert keys_l == keys_r  # every key, in the same order
    assert np.abs(s_l - s_r).max() <= 1e-4
    assert t_l.column("genres").to_pylist() == t_r.column("genres").to_pylist()
    return local


def test_same_scores_parquet_with_paths_and_bytes(tmp_path, local_ray):
    data = tmp_path / "movies.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(tmp_path)), data, row_group_size=7)
    run = _both(tmp_path, data)
    assert run["written"] == 30
    assert run["skipped"] == {"no id, title or overview": 1, "duplicate key": 1}
    assert run["issues"] == {"poster path escapes folder": 1}


def test_same_scores_jsonl_with_bad_lines(tmp_path, local_ray):
    rows = [{k: v for k, v in r.items() if k != "poster_bytes"} for r in _rows(tmp_path, n=12)]
    lines = [json.dumps(r) for r in rows]
    lines.insert(2, "{not json")
    (tmp_path / "movies.jsonl").write_bytes(("\n".join(lines) + "\n").encode() + b'{"title": "\xff"}\n')
    run = _both(tmp_path, tmp_path / "movies.jsonl")
    assert run["skipped"] == {
        "bad json": 1,
        "not utf-8": 1,
        "no id, title or overview": 1,
        "duplicate key": 1,
    }


def test_embed_on_ray_fills_the_cache_a_later_run_reads(tmp_path, local_ray):
    from moviegenre.encoders.poster import PosterEncoder

    data = tmp_path / "movies.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(tmp_path, n=20)), data)
    cfg = EncoderConfig(backend="torch")  # no ONNX export into the temporary cache
    cache = tmp_path / "cache"
    run = embed_file(data, ["poster", "companies"], cfg, cache, config=RAY, progress=False)
    assert run["movies"] == 21  # Ray's embed does not look for duplicate keys: features go by content
    assert run["inputs"]["poster"]["present"] == 20  # 19 posters + the duplicate's; the escaping one refused
    assert run["issues"] == {"poster path escapes folder": 1}
    assert "nothing to cache" in run["inputs"]["companies"]["note"]

    from moviegenre.data import read_movies

    enc = PosterEncoder(cfg, cache_dir=cache)
    computed = []
    enc._compute = lambda contents, progress=False: computed.append(len(contents))
    _, present = enc.encode(list(read_movies(data)))
    assert computed == [] and present.sum() == 19  # every poster came from the shards Ray wrote
