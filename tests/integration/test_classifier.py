"""GenreClassifier on synthetic movies: fit → save → load round trip, details, evaluation, bad folders.

Fast encoders only (TF-IDF text, multi-hot companies, metadata); the poster path is in the slow test.
"""

import json

import numpy as np
import pytest
from conftest import make_movies

from moviegenre import GenreClassifier
from moviegenre.config import EncoderConfig
from moviegenre.errors import DataError, ModelError

INPUTS = ["overview", "title", "companies", "metadata"]


@pytest.fixture
def movies(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    return make_movies(tmp_path, n=90, posters=False)


def _clf(fusion="late", inputs=INPUTS, **kw):
    return GenreClassifier(
        inputs=inputs,
        fusion=fusion,
        encoders=EncoderConfig(text_model="tfidf"),
        max_epochs=30,
        patience=6,
        stack_folds=3,
        lr=0.01,
        **kw,
    )


@pytest.mark.parametrize("fusion", ["late", "concat", "sum", "gated"])
def test_fit_save_load_gives_identical_probabilities(movies, tmp_path, fusion):
    clf = _clf(fusion).fit(movies[:60], movies[60:75])
    proba = clf.predict_proba(movies[75:])
    assert proba.dtype == np.float32 and proba.shape == (15, len(clf.genres_))
    folder = clf.save(tmp_path / f"model-{fusion}")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        ["config.json", "labels.json", "vocab.json", "model.safetensors", "metrics.json", "meta.json"]
    )
    loaded = GenreClassifier.load(folder)
    assert np.array_equal(loaded.predict_proba(movies[75:]), proba)
    assert loaded.genres_ == clf.genres_ and np.array_equal(loaded.thresholds_, clf.thresholds_)
    assert loaded.predict(movies[75:]) == clf.predict(movies[75:])
    labels = json.loads((folder / "labels.json").read_text())
    assert list(labels["thresholds"]) == labels["genres"] == clf.genres_


def test_learns_the_synthetic_genres(movies):
    clf = _clf().fit(movies[:60], movies[60:75])
    report = clf.evaluate(movies[75:])
    assert report["micro_f1"] > 0.7
    for key in (
        "micro_f1",
        "macro_f1",
        "weighted_f1",
        "samples_f1",
        "macro_roc_auc",
        "micro_roc_auc",
        "map",
        "hamming_accuracy",
        "subset_accuracy",
        "study_accuracy",
        "study_auc",
        "per_genre",
        "skipped_genres",
    ):
        assert key in report


def test_predict_details_weights_and_missing_inputs(movies):
    clf = _clf("late").fit(movies[:60], movies[60:75])
    assert movies[81].companies  # (every fifth synthetic movie has unknown companies)
    no_companies = movies[81].with_(companies=None)
    bare = movies[82].with_(companies=None, overview=None, title=None, year=None, runtime=None, language=None)
    details = clf.predict_details([movies[81], no_companies, bare])
    for d in details:
        assert set(d["scores"]) == set(clf.genres_)
        assert len(d["genres"]) >= 1  # at_least_one
        assert set(d["weights"]) == set(INPUTS)
    assert details[0]["weights"]["companies"] > 0
    assert details[1]["weights"]["companies"] == 0
    assert sum(details[1]["weights"].values()) == pytest.approx(1, abs=1e-5)
    assert all(np.isfinite(list(details[2]["scores"].values())))
    assert _clf("concat").fit(movies[:60], movies[60:75]).predict_details(movies[80:81])[0]["weights"] is None


def test_genre_without_positives_in_evaluation_is_listed_not_fatal(movies):
    clf = _clf().fit(movies[:60], movies[60:75])
    gone = clf.genres_[0]
    held = [m.with_(genres=tuple(g for g in m.genres if g != gone) or (clf.genres_[1],)) for m in movies[75:]]
    report = clf.evaluate(held)
    assert gone in report["skipped_genres"]
    assert report["macro_roc_auc"] is not None


def test_unknown_genre_in_evaluation_is_counted(movies):
    clf = _clf().fit(movies[:60], movies[60:75])
    report = clf.evaluate([m.with_(genres=(*m.genres, "Polka")) for m in movies[75:]])
    assert report["unknown_genres"] == {"Polka": 15}


def test_bad_folders_and_unfitted_use_are_clear_errors(movies, tmp_path):
    with pytest.raises(ModelError, match="not fitted"):
        _clf().predict_proba(movies[:2])
    with pytest.raises(ModelError, match="not found"):
        GenreClassifier.load(tmp_path / "nothing")
    folder = _clf().fit(movies[:60], movies[60:75]).save(tmp_path / "m")
    conf = json.loads((folder / "config.json").read_text())
    conf["format_version"] = 999
    (folder / "config.json").write_text(json.dumps(conf))
    with pytest.raises(ModelError, match="format version 999"):
        GenreClassifier.load(folder)
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelError, match=r"missing model\.safetensors"):
        GenreClassifier.load(folder)


def test_empty_inputs_are_clear_errors(movies):
    with pytest.raises(DataError, match="validation"):
        _clf().fit(movies[:60], [])
    no_companies = [m.with_(companies=None) for m in movies]
    with pytest.raises(DataError, match="companies"):
        _clf(inputs=["overview", "companies"]).fit(no_companies[:60], no_companies[60:75])


@pytest.mark.slow
def test_poster_input_and_movie_without_poster(tmp_path, monkeypatch):
    """Real Lite0 poster features on generated posters; a movie with no poster is still predicted."""
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    movies = make_movies(tmp_path, n=60)
    clf = GenreClassifier(inputs=["poster", "companies"], fusion="gated", max_epochs=8, patience=3).fit(
        movies[:40], movies[40:50]
    )
    no_poster = movies[55].with_(poster=None)
    d = clf.predict_details([movies[55], no_poster])
    assert d[0]["weights"]["poster"] > 0 and d[1]["weights"]["poster"] == 0
    assert len(d[1]["genres"]) >= 1
    loaded = GenreClassifier.load(clf.save(tmp_path / "m"))
    assert np.array_equal(loaded.predict_proba(movies[50:]), clf.predict_proba(movies[50:]))


@pytest.mark.parametrize("fusion", ["late", "gated"])
def test_same_seed_same_model(movies, fusion):
    a = _clf(fusion).fit(movies[:60], movies[60:75]).predict_proba(movies[75:])
    b = _clf(fusion).fit(movies[:60], movies[60:75]).predict_proba(movies[75:])
    assert np.array_equal(a, b)


def test_save_refuses_to_replace_a_folder_that_is_not_a_model(movies, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    clf = _clf().fit(movies[:60], movies[60:75])
    with pytest.raises(ModelError, match="not a model folder"):
        clf.save(precious)
    assert (precious / "notes.txt").read_text() == "mine"
    clf.save(tmp_path / "m")
    clf.save(tmp_path / "m")  # an earlier model folder is replaced


def test_unknown_setting_is_a_clear_error():
    from moviegenre.config import ConfigError

    with pytest.raises(ConfigError, match="hiden_dim"):
        GenreClassifier(hiden_dim=3)


def test_input_present_in_few_training_movies(movies):
    """Stacking folds without any movie that has the input must not break the fit."""
    rare = [m if i == 3 else m.with_(companies=None) for i, m in enumerate(movies)]
    clf = _clf(inputs=["overview", "companies"]).fit(rare[:60], rare[60:75])
    assert np.isfinite(clf.predict_proba(movies[75:])).all()


def test_tfidf_view_only_where_it_makes_sense():
    from moviegenre.config import ClassifierConfig
    from moviegenre.modeling.views import feature_views, inputs_of

    four = ["overview", "title", "companies", "poster"]
    assert feature_views(ClassifierConfig(inputs=four)) == [*four, "text_tfidf"]
    assert feature_views(ClassifierConfig(inputs=four, tfidf_views=["overview"])) == [*four, "overview_tfidf"]
    assert feature_views(ClassifierConfig(inputs=four, fusion="gated")) == four
    assert feature_views(ClassifierConfig(inputs=four, tfidf_views=[])) == four
    assert feature_views(ClassifierConfig(inputs=["companies", "poster"])) == ["companies", "poster"]
    assert feature_views(ClassifierConfig(inputs=["keywords"])) == ["keywords"]  # no free text: no bag
    tfidf_text = ClassifierConfig(inputs=four, encoders=EncoderConfig(text_model="tfidf"))
    assert feature_views(tfidf_text) == four  # the overview is TF-IDF already
    assert inputs_of("text_tfidf", ["poster", "keywords", "overview"]) == ("overview", "keywords")
    assert inputs_of("overview_tfidf", four) == ("overview",)


@pytest.mark.slow
@pytest.mark.parametrize("extra", ["overview", "text"])
def test_tfidf_head_is_saved_and_reloaded(movies, tmp_path, extra):
    """Default text encoder (MiniLM) + late fusion: a TF-IDF head of the overview alone, or of all the
    text (overview and keywords here) as one bag; weights per input, the bag's shared by its inputs."""
    from safetensors import safe_open

    inputs = ["overview", "companies", "keywords"]
    clf = GenreClassifier(inputs=inputs, stack_folds=3, tfidf_views=[extra]).fit(movies[:60], movies[60:75])
    view = f"{extra}_tfidf"
    assert clf.views_ == [*inputs, view]
    details = clf.predict_details([movies[80], movies[81].with_(overview=None, keywords=None)])
    # weights are per input: the TF-IDF view counts for the overview, and they sum to 1
    assert set(details[0]["weights"]) == set(inputs)
    assert details[0]["weights"]["overview"] > 0
    assert sum(details[0]["weights"].values()) == pytest.approx(1, abs=1e-5)
    assert details[1]["weights"]["overview"] == details[1]["weights"]["keywords"] == 0
    folder = clf.save(tmp_path / "m")
    vocab = json.loads((folder / "vocab.json").read_text())
    assert len(vocab[view]["vocabulary"]) == len(vocab[view]["idf"]) > 10
    if extra == "text":  # the keywords' words are in the bag
        assert "scene" in vocab[view]["vocabulary"]
    conf = json.loads((folder / "config.json").read_text())
    assert conf["views"] == clf.views_ and conf["encoders"][view]["name"] == f"{extra}-tfidf"
    with safe_open(str(folder / "model.safetensors"), "pt") as f:
        assert f.get_tensor("fusion.heads.3.1.weight").shape[1] == conf["encoders"][view]["dim"]
    loaded = GenreClassifier.load(folder)
    assert loaded.views_ == clf.views_
    assert np.array_equal(loaded.predict_proba(movies[75:]), clf.predict_proba(movies[75:]))
    assert np.array_equal(loaded.predict_proba(movies[80:81]), clf.predict_proba(movies[80:81]))


def test_folder_from_before_tfidf_views_loads_without_the_view(movies, tmp_path):
    folder = _clf().fit(movies[:60], movies[60:75]).save(tmp_path / "m")
    conf = json.loads((folder / "config.json").read_text())
    del conf["views"], conf["config"]["tfidf_views"]
    (folder / "config.json").write_text(json.dumps(conf))
    loaded = GenreClassifier.load(folder)
    assert loaded.views_ == INPUTS and loaded.config.tfidf_views == []


def test_new_inputs_fit_save_load_and_absent_per_movie(movies, tmp_path):
    """keywords, people and tagline each get a late head; a movie lacking them is predicted from the rest."""
    inputs = ["overview", "keywords", "people", "tagline", "metadata"]
    clf = _clf("late", inputs=inputs).fit(movies[:60], movies[60:75])
    assert clf.views_ == inputs and clf.encoders_["keywords"].name == "keywords-bag"
    # fitted on training movies only: a keyword only the test movies have is not in the vocabulary
    vocab = clf.encoders_["keywords"].get_state()["vocabulary"]
    assert not {k for m in movies[75:] for k in m.keywords or ()} - {
        k for m in movies[:60] for k in m.keywords or ()
    } & set(vocab)
    bare = movies[80].with_(keywords=None, director=None, cast=None, tagline=None)
    (d,) = clf.predict_details([bare])
    assert d["weights"]["keywords"] == d["weights"]["people"] == d["weights"]["tagline"] == 0.0
    assert abs(sum(d["weights"].values()) - 1.0) < 1e-5 and d["genres"]
    folder = clf.save(tmp_path / "m")
    loaded = GenreClassifier.load(folder)
    np.testing.assert_array_equal(loaded.predict_proba(movies[75:]), clf.predict_proba(movies[75:]))
    assert clf.evaluate(movies[75:])["micro_f1"] > 0.7
