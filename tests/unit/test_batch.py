"""The batch pipeline: output files (Parquet, JSONL, CSV), no half-written file, bounded batches in
flight, and a streaming ``embed`` that keeps no features in memory. Stand-in predictor and encoder."""

from __future__ import annotations

import csv
import json
import os
import signal
from collections import Counter

import numpy as np
import pyarrow.parquet as pq
import pytest

from moviegenre.batch.local import embed_stream, predict_stream
from moviegenre.batch.writers import Predictions, exit_on_sigterm, open_predictions
from moviegenre.data.stream import MovieStream
from moviegenre.encoders.base import Encoder
from moviegenre.errors import MovieGenreError
from moviegenre.records import Movie

GENRES = ["Action", "Science Fiction"]
INPUTS = ["overview", "title"]


class Predictor:
    """``genres_``, ``inputs_``, ``predict_details``: the surface the engines use."""

    genres_, inputs_ = GENRES, INPUTS

    def __init__(self, weights=True, on_call=None):
        self.weights, self.on_call = weights, on_call

    def predict_details(self, movies, cache=True):
        if self.on_call:
            self.on_call(len(movies))
        return [
            {
                "genres": ["Science Fiction", "Action"] if "space" in m.title else ["Action"],
                "scores": {"Action": 0.5, "Science Fiction": len(m.title) / 100},
                "weights": {"overview": 0.25, "title": 0.75} if self.weights else None,
            }
            for m in movies
        ]


def _movies(n):
    return [Movie(f"m{i}", title=f"space movie {i}" if i % 2 else f"movie {i}") for i in range(n)]


def _stream(movies, batch_size, pulled=None):
    def rows(skipped, issues):
        for m in movies:
            if pulled is not None:
                pulled.append(m.key)
            yield m

    return MovieStream("test", None, len(movies), batch_size, rows)


def _predict(out, n=7, weights=True, **kw):
    with open_predictions(out, GENRES, INPUTS, **kw) as w:
        predict_stream(Predictor(weights), _stream(_movies(n), 3), w, progress=False)
    return w


def test_parquet_output_columns(tmp_path):
    out = tmp_path / "p.parquet"
    assert _predict(out, row_group_size=4).written == 7
    t = pq.read_table(out)
    assert t.column_names == [
        "key",
        "title",
        "genres",
        "score_Action",
        "score_Science Fiction",
        "weight_overview",
        "weight_title",
    ]
    assert t.column("key").to_pylist() == [f"m{i}" for i in range(7)]
    assert t.column("genres").to_pylist()[:2] == [["Action"], ["Science Fiction", "Action"]]
    assert t.column("score_Science Fiction").to_pylist()[0] == pytest.approx(len("movie 0") / 100)
    assert t.column("weight_title").to_pylist() == [0.75] * 7
    assert pq.ParquetFile(out).metadata.num_row_groups == 2  # buffered up to a row group, not per batch
    _predict(out, weights=False)
    assert pq.read_table(out).column("weight_title").to_pylist() == [None] * 7  # the model cannot say


def test_arrow_round_trip():
    preds = Predictions.from_details(_movies(3), Predictor().predict_details(_movies(3)), GENRES, INPUTS)
    back = Predictions.from_arrow(preds.to_arrow(GENRES, INPUTS), GENRES, INPUTS)
    assert back.keys == preds.keys and back.genres == preds.genres
    np.testing.assert_array_equal(back.scores, preds.scores)
    np.testing.assert_array_equal(back.weights, preds.weights)


def test_jsonl_and_csv_outputs(tmp_path):
    _predict(tmp_path / "p.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert len(rows) == 7 and rows[1]["genres"] == ["Science Fiction", "Action"]
    assert rows[0]["scores"]["Action"] == 0.5 and rows[0]["weights"] == {"overview": 0.25, "title": 0.75}
    _predict(tmp_path / "p.csv")
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert len(rows) == 7 and rows[1]["genres"] == "Science Fiction;Action" and rows[0]["Action"] == "0.5000"
    with pytest.raises(MovieGenreError, match=r"\.parquet, \.jsonl or \.csv"):
        _predict(tmp_path / "p.txt")


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv"])
def test_interrupted_run_leaves_no_file(tmp_path, suffix):
    out = tmp_path / f"p{suffix}"

    def interrupt(n):
        if calls.append(n) or len(calls) == 2:
            raise KeyboardInterrupt

    calls = []
    with pytest.raises(KeyboardInterrupt), open_predictions(out, GENRES, INPUTS, row_group_size=2) as w:
        predict_stream(Predictor(on_call=interrupt), _stream(_movies(9), 3), w, progress=False)
    assert len(calls) == 2 and os.listdir(tmp_path) == []  # no output, no temp file
    out.write_text("an earlier run's result")
    with pytest.raises(KeyboardInterrupt), open_predictions(out, GENRES, INPUTS) as w:
        calls.clear()
        predict_stream(Predictor(on_call=interrupt), _stream(_movies(9), 3), w, progress=False)
    assert os.listdir(tmp_path) == [out.name] and out.read_text() == "an earlier run's result"


def test_sigterm_becomes_a_clean_exit(tmp_path):
    out = tmp_path / "p.parquet"
    before = signal.getsignal(signal.SIGTERM)  # SIG_DFL, or Ray's handler once Ray ran in this process
    with pytest.raises(SystemExit), exit_on_sigterm(), open_predictions(out, GENRES, INPUTS) as w:
        w.write(Predictions.from_details(_movies(2), Predictor().predict_details(_movies(2)), GENRES, INPUTS))
        handler = signal.getsignal(signal.SIGTERM)
        assert handler is not before and callable(handler)  # SIG_DFL would end the process, no cleanup
        handler(signal.SIGTERM, None)  # what a `kill` does (not sent for real: it would end pytest)
    assert os.listdir(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back


def test_pipeline_holds_at_most_one_batch(tmp_path):
    """Movies pulled from the reader but not yet written never exceed one batch: the engine does not
    read ahead of the writer (which is what keeps memory flat however long the file)."""
    pulled, in_flight = [], []

    class Writer:
        written = 0

        def write(self, preds):
            self.written += len(preds)

    writer = Writer()
    predictor = Predictor(on_call=lambda n: in_flight.append(len(pulled) - writer.written))
    predict_stream(predictor, _stream(_movies(50), 8, pulled), writer, progress=False)
    assert writer.written == 50 and len(in_flight) == 7
    assert max(in_flight) <= 8 + 1  # the batch being predicted (+ the row that closed it)


def test_parquet_writer_buffers_at_most_a_row_group(tmp_path):
    with open_predictions(tmp_path / "p.parquet", GENRES, INPUTS, row_group_size=10) as w:
        for s in range(0, 95, 7):
            ms = _movies(95)[s : s + 7]
            w.write(Predictions.from_details(ms, Predictor().predict_details(ms), GENRES, INPUTS))
            assert w.buffered < 10
    assert pq.read_metadata(tmp_path / "p.parquet").num_rows == 95


class Countable(Encoder):
    """A pretrained-style encoder (uses the feature cache) that counts what it computes."""

    name, version, dim = "count-test", "1", 4

    def __init__(self, cache_dir):
        super().__init__(cache_dir=cache_dir)
        self.computed = 0

    def content(self, m):
        return m.title

    def _compute(self, contents, progress=False):
        self.computed += len(contents)
        f = np.array([[len(t), 1, 2, 3] for t in contents], np.float32)
        return f, np.ones(len(contents), bool), {}


def test_streaming_embed_writes_shards_and_keeps_none_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr("moviegenre.encoders.cache._OPEN", {})
    enc = Countable(tmp_path)
    movies = _movies(40)
    run = embed_stream({"title": enc}, _stream(movies, 8), progress=False)
    assert run["movies"] == 40 and run["inputs"]["title"]["present"] == 40
    assert enc.computed == 40 and len(enc.cache._index) == 0  # written to disk, not kept
    assert len(list(enc.cache.dir.glob("shard-*.safetensors"))) == 5  # one shard per batch
    feats, present = enc.encode(movies)  # the same process, after the stream: read back, not recomputed
    assert enc.computed == 40 and present.all()

    monkeypatch.setattr("moviegenre.encoders.cache._OPEN", {})  # a later run (train) reads them all
    later = Countable(tmp_path)
    feats, present = later.encode(movies)
    assert later.computed == 0 and present.all()
    assert feats[:, 0].tolist() == [len(m.title) for m in movies]


def test_fitted_encoders_fit_on_the_first_batch(tmp_path):
    from moviegenre.encoders.companies import CompaniesMultiHot

    movies = [Movie(f"m{i}", companies=(f"Studio {i % 3}",)) for i in range(20)]
    run = embed_stream({"companies": CompaniesMultiHot()}, _stream(movies, 6), progress=False)
    assert run["inputs"]["companies"]["present"] == 20 and run["inputs"]["companies"]["skipped"] == Counter()
