"""The model shipped in the package: it loads by default, serves, stays small, and holds no data text."""

from __future__ import annotations

import json

import pytest

from moviegenre.pretrained import DEFAULT_MODEL, available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(DEFAULT_MODEL not in available(), reason="no shipped model in this checkout"),
]


def test_shipped_folder_is_small_and_readable():
    from moviegenre.pretrained import pretrained_dir

    folder = pretrained_dir()
    assert (folder / "model.safetensors").stat().st_size <= 10 * 2**20
    assert {p.name for p in folder.iterdir()} <= {
        "config.json",
        "labels.json",
        "vocab.json",
        "model.safetensors",
        "metrics.json",
        "meta.json",
    }
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["test"]["micro_f1"] > 0.5  # the model card's held-out numbers are in the folder
    assert metrics["fitted_on"].startswith("train+test")


@pytest.mark.realdata
def test_shipped_folder_holds_no_overview_or_long_title(shared_data):
    from moviegenre.pretrained import pretrained_dir

    text = "\n".join(p.read_text() for p in pretrained_dir().glob("*.json"))
    for line in (shared_data / "movies" / "movies.jsonl").read_text().splitlines():
        m = json.loads(line)
        assert m["overview"] not in text
        if len(m["title"]) > 25:
            assert m["title"] not in text


def test_service_defaults_to_the_shipped_model(tmp_path):
    from fastapi.testclient import TestClient

    from moviegenre.serving.app import create_app

    with TestClient(create_app()) as client:
        health = client.get("/health").json()
        assert health["model"] == DEFAULT_MODEL and "poster" in health["inputs"]
        r = client.post(
            "/predict",
            json={
                "title": "Starfall Protocol",
                "overview": "A disgraced pilot leads her crew through a fleet of drones to stop a rogue AI from "
                "firing an orbital weapon at Earth.",
                "companies": ["Orbital Pictures"],
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["scores"]) == health["genres"] and body["genres"]
        assert body["weights"]["poster"] == 0 and body["weights"]["overview"] > 0
