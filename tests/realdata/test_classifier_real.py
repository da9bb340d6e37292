"""The default classifier on real movies (../shared/data): a sanity floor and "an input never hurts".

A 1,500-movie slice and text/companies inputs keep this quick even with a cold feature cache;
the full measurement (all movies, all four inputs) is ``moviegenre train --data ../shared/data/movies``.
"""

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture(scope="module")
def parts(request):
    from conftest import SHARED_DATA

    if not (SHARED_DATA / "movies" / "movies.jsonl").exists():
        pytest.skip("../shared/data is absent")
    from moviegenre.data import read_movies
    from moviegenre.data.split import make_split

    ds = read_movies(SHARED_DATA / "movies")
    ds = ds.subset(sorted(ds.keys)[:1500])
    return make_split(ds, seed=0).apply(ds)


def test_late_fusion_beats_its_best_single_input(parts):
    from moviegenre import GenreClassifier

    train, val, test = parts
    scores = {}
    for inputs in (["overview"], ["companies"], ["overview", "companies"]):
        clf = GenreClassifier(inputs=inputs, fusion="late").fit(train, val)
        scores["+".join(inputs)] = clf.evaluate(test)
    both = scores["overview+companies"]
    assert both["micro_f1"] > 0.5 and both["macro_roc_auc"] > 0.8
    # the threshold-free scores carry the check; micro-F1 on ~225 test movies moves by ±0.01 with the
    # thresholds alone (with the overview TF-IDF head: 0.639 vs 0.648 here, while on all movies,
    # splits 0 and 1, overview+companies beats overview by +0.007 / +0.021 micro-F1)
    assert both["micro_f1"] >= max(scores["overview"]["micro_f1"], scores["companies"]["micro_f1"]) - 0.015
    assert both["macro_roc_auc"] >= scores["overview"]["macro_roc_auc"] - 0.005
    assert both["map"] >= scores["overview"]["map"] - 0.005
