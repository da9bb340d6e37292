"""The numpy TF-IDF transform equals scikit-learn's fitted TfidfVectorizer on awkward text."""

from __future__ import annotations

import numpy as np
import pytest

from moviegenre.config import EncoderConfig
from moviegenre.encoders.bag_of_words import TfidfTransform, analyze
from moviegenre.encoders.tfidf import TfidfEncoder
from moviegenre.records import Movie

TRICKY = [
    "Hello World! hello world HELLO",
    "Café CAFÉ naïve façade — ŒUVRE ﬁne ﬂight",  # accents, ligatures (NFKD splits ﬁ → fi)
    "x",  # one-letter words are not tokens
    "I'm a 3D-movie: 1990s’ vibes; e-mail_me at 10:30",
    "Ünïcödé títle — with dashes… and émojis 🎬🎬",
    "ǅemal Straße İstanbul ß ẞ",  # title case digraph, sharp s, dotted capital I
    "数学 物理 ＡＢＣ ｆｕｌｌｗｉｄｔｈ",  # CJK, fullwidth letters
    "A a a a a b b b the the the the the the the the the the",  # sublinear tf
    "αβγ Ωμέγα ΣΊΣΥΦΟΣ",
    "don't won't can't   tabs\tand\nnew lines",
    "Zero\u200bwidth joiner\u200d and combining e\u0301",
    "love kiss wedding heart couple date love love",
]


def _encoder(texts):
    enc = TfidfEncoder("overview", EncoderConfig(tfidf_min_df=1, tfidf_max_features=500))
    return enc.fit([Movie(key=str(i), overview=t) for i, t in enumerate(texts)])


def test_analyzer_is_scikit_learns():
    vec = _encoder(TRICKY)._vectorizer()
    sk = vec.build_analyzer()
    for text in [*TRICKY, "", "   ", "a b", "one two three"]:
        assert analyze(text) == sk(text), text


def test_transform_equals_scikit_learn():
    enc = _encoder(TRICKY * 2 + ["hello there world", "world of love"])
    state = enc.get_state()
    vec = enc._vectorizer().set_params(vocabulary={w: i for i, w in enumerate(state["vocabulary"])})
    vec.fit(["x x"])
    vec.idf_ = np.asarray(state["idf"], dtype=np.float64)
    new = [*TRICKY, "unseen words only", "", "hello hello hello world"]
    expected = vec.transform(new).toarray()
    got = TfidfTransform(state["vocabulary"], state["idf"]).transform(new)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # the encoder (dense for the bundle, sparse for training) gives the same values
    movies = [Movie(key=str(i), overview=t or None) for i, t in enumerate(new)]
    dense, present = enc.encode(movies)
    sparse, present_sparse = enc.encode_sparse(movies)
    np.testing.assert_allclose(dense, sparse.toarray(), atol=1e-7)
    assert np.array_equal(present, present_sparse)
    np.testing.assert_allclose(dense[present], expected[present], atol=1e-6)


def test_state_of_mismatched_lengths_is_refused():
    with pytest.raises(ValueError, match="idf"):
        TfidfTransform(["a", "b"], [1.0])
