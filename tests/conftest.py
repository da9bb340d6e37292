"""Shared fixtures: tiny synthetic movies with generated posters, never real data, never network."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance"]
_WORDS = {
    "Action": "explosion chase hero fight mission gun",
    "Comedy": "funny wacky laugh prank silly party",
    "Drama": "family grief struggle life loss tears",
    "Horror": "ghost blood haunted scream night monster",
    "Romance": "love kiss wedding heart couple date",
}
_COLORS = {
    "Action": (200, 40, 30),
    "Comedy": (240, 220, 40),
    "Drama": (60, 60, 120),
    "Horror": (20, 10, 10),
    "Romance": (230, 120, 170),
}


def make_poster(path: Path, color=(128, 128, 128), size=(60, 90), seed: int = 0) -> Path:
    """Write a small JPEG: a flat colour plus noise, so images differ but carry the genre's colour."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    arr = np.clip(np.array(color)[None, None, :] + rng.normal(0, 25, (size[1], size[0], 3)), 0, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr.astype(np.uint8)).save(path, format="JPEG")
    return path


def make_movies(tmp: Path, n: int = 40, seed: int = 0, posters: bool = True):
    """``n`` synthetic movies whose words, companies and poster colour follow their genres."""
    from moviegenre.records import Movie

    rng = np.random.default_rng(seed)
    movies = []
    for i in range(n):
        k = 1 + int(rng.integers(0, 2))
        genres = tuple(sorted(rng.choice(GENRES, size=k, replace=False).tolist()))
        words = " ".join(_WORDS[g] for g in genres).split()
        rng.shuffle(words)
        poster = None
        if posters:
            poster = str(make_poster(tmp / "posters" / f"m{i}.jpg", _COLORS[genres[0]], seed=seed * 1000 + i))
        companies = None if i % 5 == 0 else tuple(f"{g} Studios" for g in genres)
        movies.append(
            Movie(
                key=f"m{i:04d}",
                title=f"The {genres[0]} Story {i}",
                overview=" ".join(words[:12]),
                companies=companies,
                genres=genres,
                poster=poster,
                year=1980 + i % 40,
                runtime=float(80 + i % 60),
                language="en" if i % 3 else "fr",
                # side fields: keywords from the genres' words, a director per first genre, a cast
                keywords=None if i % 7 == 0 else tuple(_WORDS[g].split()[i % 3] + " scene" for g in genres),
                tagline=None if i % 2 else f"{words[-1]} {words[0]}!",
                director=None if i % 4 == 0 else f"{genres[0]} Director {i % 2}",
                cast=None if i % 4 == 0 else (f"{genres[-1]} Star", f"Actor {i}"),
            )
        )
    return movies


@pytest.fixture
def synthetic_movies(tmp_path):
    return make_movies(tmp_path)


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "movies" / "movies.jsonl").exists():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


# ./scripts/test ends by saying which tests were skipped and how to run them (pytest's own "-ra" lines
# give each reason, but not what to do about it). Reason pattern → (what was skipped, how to enable it).
SKIP_HINTS = [
    ("chromium", "browser tests", "install Debian's chromium (`apt-get install chromium`), or run .ci/run"),
    ("shared/data", "real-data tests", "put the data set at ../shared/data (docs/data.md)"),
    ("shipped model", "shipped-model tests", "rebuild the model with ./scripts/train-pretrained"),
    (
        "could not import",
        "tests needing an optional package",
        "install everything: ./scripts/setup (moviegenre[all])",
    ),
    ("root may write", "file-permission tests", "run the tests as a normal user, not root"),
    ("git checkout", "git-ignore tests", "run the tests in a git clone"),
]


def skip_summary(reasons: list[str]) -> list[str]:
    """One line per kind of skip: how many, what, and how to enable them (unknown reasons as they are)."""
    groups: dict[tuple[str, str], int] = {}
    for reason in reasons:
        reason = reason.removeprefix("Skipped: ")
        what, hint = next(((w, h) for pat, w, h in SKIP_HINTS if pat in reason), (reason, ""))
        if what.startswith("tests needing") and "'" in reason:
            what = f"tests needing {reason.split(chr(39))[1]}"  # could not import 'ray': ...
        groups[(what, hint)] = groups.get((what, hint), 0) + 1
    return [f"{n:>4} {what} skipped" + (f": {hint}" if hint else "") for (what, hint), n in groups.items()]


# the outermost wrapper: its code after ``yield`` runs after pytest's own short summary, so these lines
# are the last thing on the screen
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    yield
    reasons = []
    for rep in terminalreporter.stats.get("skipped", []):
        longrepr = rep.longrepr
        reasons.append(longrepr[2] if isinstance(longrepr, tuple) else str(longrepr))
    deselected = len(terminalreporter.stats.get("deselected", []))
    if not reasons and not deselected:
        return
    terminalreporter.section("skipped tests and how to run them")
    for line in skip_summary(reasons):
        terminalreporter.write_line(line)
    if deselected:
        marks = config.getoption("markexpr") or config.getoption("keyword") or "the command line"
        terminalreporter.write_line(
            f"{deselected:>4} tests deselected by -m/-k ({marks}): run without it for all"
        )
