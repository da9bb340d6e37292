"""The shipped-model check refuses a folder holding text copied from the data (copyright)."""

import pytest

from moviegenre.pretrained.recipe import check_folder
from moviegenre.records import Movie

MOVIE = Movie(
    "tt1",
    title="Short",
    overview="An invented overview that nobody wrote for real.",
    tagline="An invented tagline, long enough to matter.",
    keywords=("lighthouse keeper", "storm at sea", "lonely island"),
)


def _folder(tmp_path, text):
    (tmp_path / "model.safetensors").write_bytes(b"0" * 100)
    (tmp_path / "vocab.json").write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "leak", [MOVIE.overview, MOVIE.tagline, "lighthouse keeper storm at sea lonely island"]
)
def test_copied_text_is_refused(tmp_path, leak):
    with pytest.raises(SystemExit, match="copied from the data"):
        check_folder(_folder(tmp_path, f'{{"x": "{leak}"}}'), [MOVIE])


def test_single_keywords_and_words_are_fine(tmp_path):
    check_folder(_folder(tmp_path, '{"vocabulary": ["lighthouse keeper", "w:storm", "invented"]}'), [MOVIE])
