"""``moviegenre serve`` as a user starts it: a real uvicorn process on loopback, then stopped."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import make_poster
from serving_helpers import serve_process, tiny_model_dir

pytestmark = pytest.mark.slow


def test_serve_answers_on_loopback(tmp_path):
    import httpx

    with serve_process(["--model", str(tiny_model_dir()), "--host", "127.0.0.1"], tmp_path / "log") as url:
        poster = make_poster(tmp_path / "p.jpg", (200, 40, 30)).read_bytes()
        r = httpx.post(
            url + "/predict",
            data={"title": "Explosion Mission", "companies": "Action Studios"},
            files={"poster": ("p.jpg", poster, "image/jpeg")},
            timeout=30,
        )
        assert r.status_code == 200 and r.json()["genres"]
        assert "<form" in httpx.get(url + "/").text


def test_serve_with_a_missing_model_is_one_line():
    r = subprocess.run(
        [sys.executable, "-m", "moviegenre", "serve", "--model", "/nonexistent/model"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert r.returncode == 2 and r.stderr.strip().startswith("error:") and "not found" in r.stderr
