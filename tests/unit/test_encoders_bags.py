"""Keywords and people: bags fitted on training movies only, absent when unknown, numpy-only encode."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from moviegenre.config import EncoderConfig
from moviegenre.encoders import BUILDERS, build_encoder
from moviegenre.encoders.keywords import keyword_tokens
from moviegenre.encoders.people import people_tokens
from moviegenre.records import Movie


def test_keyword_tokens():
    assert keyword_tokens(None) is None
    assert keyword_tokens(()) == ()
    assert keyword_tokens(("Based on  Novel", "novel", "based on novel")) == (
        "based on novel",
        "w:based",
        "w:on",
        "w:novel",
        "novel",
    )
    assert keyword_tokens(("alien invasion",), words=False) == ("alien invasion",)


def test_people_tokens():
    assert people_tokens(None, None) is None
    assert people_tokens("Ann  Lee", ("Bo", "Bo", " ")) == ("director:Ann Lee", "cast:Bo")
    assert people_tokens(None, ()) == ()


def test_keywords_vocabulary_from_training_only():
    train = [
        Movie("a", keywords=("space", "alien invasion")),
        Movie("b", keywords=("space", "alien planet")),
        Movie("c", keywords=("heist",)),
    ]
    enc = build_encoder("keywords", EncoderConfig(keywords_min_count=2)).fit(train)
    vocab = enc.get_state()["vocabulary"]
    assert set(vocab) == {"space", "w:alien"}  # in two training movies each; the rest are rarer
    test = [Movie("t", keywords=("space", "time travel")), Movie("u", keywords=("never seen",))]
    feats, present = enc.encode(test)
    assert present.tolist() == [True, True]
    other = enc.dim - 1
    # "time travel" and its words are unknown: they share the "other" slot
    assert feats[0, vocab.index("space")] > 0 and feats[0, other] > 0
    assert feats[1].tolist() == [0.0] * other + [1.0]
    np.testing.assert_allclose(np.linalg.norm(feats, axis=1), 1.0, rtol=1e-6)


def test_unknown_and_empty_are_absent():
    train = [Movie("a", keywords=("x",), director="D"), Movie("b", keywords=("x",), director="D")]
    movies = [Movie("n"), Movie("e", keywords=(), cast=()), Movie("k", keywords=("x",), cast=("D",))]
    for name in ("keywords", "people"):
        enc = build_encoder(name, EncoderConfig()).fit(train)
        feats, present = enc.encode(movies)
        assert not present[:2].any() and present[2], name
        assert not feats[~present].any()


def test_people_roles_and_min_count():
    train = [
        Movie("a", director="Ann", cast=("Bo", "Cy")),
        Movie("b", director="Bo", cast=("Bo", "Dee")),
        Movie("c", director="Ann", cast=("Cy",)),
    ]
    enc = build_encoder("people", EncoderConfig(people_min_count=2)).fit(train)
    assert enc.get_state()["vocabulary"] == ["cast:Bo", "cast:Cy", "director:Ann"]
    enc1 = build_encoder("people", EncoderConfig(people_min_count=1)).fit(train)
    assert "director:Bo" in enc1.get_state()["vocabulary"]  # a role of its own


@pytest.mark.parametrize("name", ["keywords", "people"])
def test_state_round_trip_and_sparse_equals_dense(synthetic_movies, name):
    train, test = synthetic_movies[:30], synthetic_movies[30:]
    enc = build_encoder(name, EncoderConfig(keywords_min_count=1, people_min_count=1)).fit(train)
    state = json.loads(json.dumps(enc.get_state()))
    clone = build_encoder(name, EncoderConfig()).set_state(state)
    dense, present = clone.encode(test)
    sparse, present2 = enc.encode_sparse(test)
    np.testing.assert_allclose(sparse.toarray(), dense, atol=1e-7)
    assert (present == present2).all() and present.any()


def test_bags_encode_without_torch_or_sklearn():
    """The fitted bags run in the torch-free bundle: their encode imports neither torch nor sklearn."""
    code = """
import sys
from moviegenre.config import EncoderConfig
from moviegenre.encoders.keywords import KeywordsEncoder
from moviegenre.encoders.people import PeopleEncoder
from moviegenre.records import Movie
m = [Movie("a", keywords=("x y",), director="D", cast=("C",))] * 2
for cls in (KeywordsEncoder, PeopleEncoder):
    enc = cls(EncoderConfig()).fit(m)
    assert enc.encode(m)[1].all()
bad = [k for k in ("torch", "sklearn", "scipy") if k in sys.modules]
assert not bad, bad
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_new_inputs_registered():
    for name in ("keywords", "people", "tagline"):
        assert name in BUILDERS
    assert build_encoder("tagline", EncoderConfig()).name == "tagline-minilm"
    assert build_encoder("tagline", EncoderConfig(text_model="tfidf")).name == "tagline-tfidf"


def test_tfidf_encode_equals_scikit_learn_without_importing_it(synthetic_movies):
    """The TF-IDF view encodes with its own analyzer: the same numbers as scikit-learn's transform."""
    texts = [
        "Café crème, naïve façade — déjà vu!",
        "The the THE cat's 2 cats: a cat-like cat…",
        "ΑΘΗΝΑ Straße ﬁnal ﬂow x y z 42 4242",
        "tab\tand\nnewline; under_score émigré",
    ]
    movies = [
        m.with_(overview=texts[i % len(texts)] + " " + (m.overview or ""))
        for i, m in enumerate(synthetic_movies)
    ]
    enc = build_encoder("overview", EncoderConfig(text_model="tfidf", tfidf_min_df=1)).fit(movies)
    ours, present = enc.encode(movies)
    vec = enc._vectorizer()
    vec.fit([enc.content(m) for m in movies])
    theirs = vec.transform([enc.content(m) for m in movies]).toarray()
    assert present.all() and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    np.testing.assert_allclose(enc.encode_sparse(movies)[0].toarray(), ours, atol=1e-7)
    code = """
import sys, json
from moviegenre.config import EncoderConfig
from moviegenre.encoders.tfidf import TfidfEncoder
from moviegenre.records import Movie
enc = TfidfEncoder("overview", EncoderConfig()).set_state({"vocabulary": ["cafe", "cafe creme"], "idf": [1.5, 2.0]})
feats, present = enc.encode([Movie("a", overview="Café crème"), Movie("b")])
assert present.tolist() == [True, False] and abs(feats[0] - [0.6, 0.8]).max() < 1e-6, feats
bad = [k for k in ("torch", "sklearn", "scipy") if k in sys.modules]
assert not bad, bad
"""
    subprocess.run([sys.executable, "-c", code], check=True)
