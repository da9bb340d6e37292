"""A stand-in classifier with GenreClassifier's serving surface, so the service, page and CLI
can be tested in milliseconds without training anything."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from moviegenre.data.images import open_image

GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance"]
_CUES = {"Action": "explosion", "Comedy": "funny", "Drama": "family", "Horror": "ghost", "Romance": "love"}


ALL_INPUTS = ["overview", "title", "companies", "poster", "keywords", "people", "tagline", "metadata"]


def _present(m, name: str) -> bool:
    return bool(
        {
            "overview": m.overview,
            "title": m.title,
            "companies": m.companies,
            "poster": m.poster_bytes or m.poster,
            "keywords": m.keywords,
            "people": m.director or m.cast,
            "tagline": m.tagline,
            "metadata": any(v is not None for v in (m.year, m.runtime, m.language, m.country)),
        }[name]
    )


class FakeClassifier:
    """Scores a genre high when its cue word is in the text; weights split over present inputs.

    ``inputs``: the inputs it claims to read (default: the four of the shipped model); every movie
    it was asked about is kept in ``seen``.
    """

    def __init__(self, inputs=("overview", "title", "companies", "poster")):
        self.genres_ = list(GENRES)
        self.thresholds_ = np.full(len(GENRES), 0.5, dtype=np.float32)
        self.inputs_ = list(inputs)
        self.calls: list[int] = []  # batch sizes seen, to check micro-batching
        self.seen: list = []

    def predict_details(self, movies, cache=True):
        self.calls.append(len(movies))
        self.seen.extend(movies)
        out = []
        for m in movies:
            if m.poster_bytes is not None:
                open_image(m.poster_bytes)  # the service must only hand over decodable images
            words = (m.title, m.overview, m.tagline, *(m.companies or ()), *(m.keywords or ()))
            text = " ".join(w for w in words if w).lower()
            scores = {g: (0.9 if cue in text else 0.1) for g, cue in _CUES.items()}
            present = [i for i in self.inputs_ if _present(m, i)]
            weights = {i: (1 / len(present) if i in present else 0.0) for i in self.inputs_}
            genres = [g for g, p in scores.items() if p >= 0.5] or [max(scores, key=scores.get)]
            out.append({"genres": genres, "scores": scores, "weights": weights})
        return out


_TINY: dict = {}


def tiny_model_dir():
    """A real ``GenreClassifier`` (late fusion; TF-IDF text, multihot companies, Lite0 poster) trained
    on synthetic movies, saved once per test process. Its features go to a private cache, so the
    shared ~/.cache/moviegenre never sees synthetic movies."""
    if "dir" not in _TINY:
        import tempfile
        from pathlib import Path

        from conftest import make_movies

        from moviegenre import GenreClassifier

        root = Path(tempfile.mkdtemp(prefix="moviegenre-serving-"))
        movies = make_movies(root, n=48, seed=3)
        clf = GenreClassifier(
            inputs=["overview", "title", "companies", "poster"],
            fusion="late",
            max_epochs=4,
            encoders={"text_model": "tfidf"},
            cache_dir=root / "cache",
        )
        clf.fit(movies[:36], movies[36:])
        _TINY["dir"] = clf.save(root / "model")
        _TINY["root"] = root
    return _TINY["dir"]


@contextmanager
def serve_process(args: list[str], log_path, env: dict | None = None, timeout: float = 180):
    """``moviegenre serve ARGS --port P`` in a subprocess (output to ``log_path``) until it answers
    ``/health``; yields its URL, then stops it."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moviegenre", "serve", *args, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert proc.poll() is None, open(log_path, errors="replace").read()[-3000:]
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not come up"
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
