"""``train`` (its test report) and ``evaluate --split ... --part test`` score the same movies: both leave
out movies without genres and count them; ``evaluate --bootstrap N`` shows the intervals in its table."""

from __future__ import annotations

import json

from test_cli_model import run, write_jsonl


def _unlabel_some(path, every: int = 6) -> int:
    lines = path.read_text().splitlines()
    out, n = [], 0
    for i, line in enumerate(lines):
        d = json.loads(line)
        if i % every == 0:
            d["genres"] = []
            n += 1
        out.append(json.dumps(d))
    path.write_text("\n".join(out) + "\n")
    return n


def test_train_and_evaluate_count_unlabelled_movies_alike(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    data = write_jsonl(tmp_path / "data", 150, seed=3, posters=False)
    assert _unlabel_some(data) > 0
    split = tmp_path / "split.json"
    run("data", "split", "--data", data, "--out", split)
    common = ["--inputs", "overview,title,companies", "--text-model", "tfidf", "--epochs", "20"]
    trained = json.loads(
        run(
            "train",
            "--data",
            data,
            "--out",
            tmp_path / "m",
            "--split",
            split,
            "--no-refit",
            "--json",
            *common,
        ).stdout
    )
    evaluated = json.loads(
        run(
            "evaluate",
            "--model",
            tmp_path / "m",
            "--data",
            data,
            "--split",
            split,
            "--part",
            "test",
            "--json",
        ).stdout
    )
    test_keys = json.loads(split.read_text())["test"]
    labelled = {json.loads(x)["imdb_id"] for x in data.read_text().splitlines() if json.loads(x)["genres"]}
    n_unlabelled = sum(1 for k in test_keys if k not in labelled)
    assert n_unlabelled > 0  # the test part has some, or the test proves nothing
    for report in (trained, evaluated):
        assert report["n_unlabelled_movies"] == n_unlabelled
        assert report["n_movies"] == len(test_keys) - n_unlabelled
    assert trained["micro_f1"] == evaluated["micro_f1"] and trained["map"] == evaluated["map"]

    text = run(
        "evaluate", "--model", tmp_path / "m", "--data", data, "--split", split, "--bootstrap", "20"
    ).stdout
    row = next(
        line
        for line in text.splitlines()
        if line.strip().startswith(("│ micro_f1", "micro_f1", "┃ micro_f1"))
    )
    assert row.count("[") == 1 and "," in row.split("[")[1], row  # "0.8123 [0.7801, 0.8455]"
    assert "from 20 bootstrap resamples" in text.replace("\n", " ")
    assert (
        f"{n_unlabelled} movies without genres left out"
        in run("evaluate", "--model", tmp_path / "m", "--data", data, "--split", split).output
    )
