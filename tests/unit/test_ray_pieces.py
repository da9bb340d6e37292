"""The Ray engine's pieces without a Ray cluster: the JSONL line reader, the predict actor's output
(one row per input row, skipped rows tagged), and the refusals that come before Ray starts."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("ray")

from moviegenre.batch import (
    predict_file,
    ray_engine,
)
from moviegenre.config import BatchConfig
from moviegenre.errors import MovieGenreError


class Predictor:
    genres_, inputs_ = ["A", "B"], ["title"]

    def predict_details(self, movies, cache=True):
        return [
            {"genres": ["A"], "scores": {"A": 0.75, "B": 0.25}, "weights": {"title": 1.0}} for _ in movies
        ]


def test_jsonl_lines_streams_blocks_of_raw_lines(monkeypatch):
    monkeypatch.setattr(ray_engine, "LINES_PER_BLOCK", 3)
    data = b"\xef\xbb\xbf" + b"\n".join(b'{"title": "%d"}' % i for i in range(7)) + b"\n\n  \n\xff\xfe"
    blocks = list(ray_engine.JsonlLines._read_stream(None, io.BytesIO(data), "m.jsonl"))
    lines = [x for b in blocks for x in b.column("line").to_pylist()]
    assert [b.num_rows for b in blocks] == [3, 3, 2]  # blank lines dropped, the last line without "\n" kept
    assert lines[0] == b'{"title": "0"}' and lines[-1] == b"\xff\xfe"  # the BOM dropped, bytes untouched


def test_predict_actor_tags_skipped_rows(monkeypatch, tmp_path):
    monkeypatch.setattr(ray_engine, "_threads", lambda n: None)  # would set this process's torch threads
    actor = ray_engine.PredictActor(Predictor, "jsonl", str(tmp_path), "m.jsonl", 1)
    lines = [json.dumps({"key": "a", "title": "A"}).encode(), b"{bad", b'{"title": "\xff"}']
    lines.append(json.dumps({"key": "d", "title": "D", "poster": "../x.jpg"}).encode())
    out = actor(pa.table({"line": pa.array(lines, pa.binary())}))
    assert out.column("key").to_pylist() == ["a", "", "", "d"]
    assert out.column(ray_engine.SKIP).to_pylist() == [None, "bad json", "not utf-8", None]
    assert out.column(ray_engine.ISSUE).to_pylist() == [None, None, None, "poster path escapes folder"]
    scores = out.column("score_A").to_numpy(zero_copy_only=False)
    assert scores[0] == 0.75 and np.isnan(scores[1])


def test_refusals_before_ray_starts(tmp_path):
    csv = tmp_path / "tmdb.csv"
    csv.write_text('id,genres,title\n1,"[]",A\n')
    ray_cfg = BatchConfig(engine="ray")
    with pytest.raises(MovieGenreError, match="reads Parquet or JSONL, not tmdb5000"):
        predict_file(csv, tmp_path / "p.parquet", load=Predictor, config=ray_cfg)
    with pytest.raises(MovieGenreError, match="must end in"):
        predict_file(csv, tmp_path / "p.txt", load=Predictor, config=ray_cfg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmdb.csv"]
