"""Config classes: one home for defaults, typed choices, validated where built, unknown names refused."""

from __future__ import annotations

import dataclasses

import pytest

from moviegenre.config import DEFAULTS, ClassifierConfig, EncoderConfig, FusionName, choices, help_of
from moviegenre.errors import ConfigError


@pytest.mark.parametrize(
    ("cls", "changes", "message"),
    [
        (ClassifierConfig, {"fusion": "stack"}, "ClassifierConfig.fusion: 'stack' is not one of"),
        (ClassifierConfig, {"inputs": ["overview", "plot"]}, r"ClassifierConfig.inputs\[1\]: 'plot'"),
        (ClassifierConfig, {"inputs": []}, "ClassifierConfig.inputs: at least one"),
        (ClassifierConfig, {"inputs": ["title", "title"]}, "listed twice"),
        (ClassifierConfig, {"max_epochs": 0}, "ClassifierConfig.max_epochs: 0 is below the minimum 1"),
        (ClassifierConfig, {"dropout": 1.5}, "ClassifierConfig.dropout: 1.5 is above the maximum"),
        (ClassifierConfig, {"lr": float("nan")}, "ClassifierConfig.lr: expected a finite number"),
        (ClassifierConfig, {"at_least_one": "yes"}, "ClassifierConfig.at_least_one: expected true or false"),
        (ClassifierConfig, {"seed": 1.5}, "ClassifierConfig.seed: expected a whole number"),
        (ClassifierConfig, {"threshold_objective": "macro"}, "threshold_objective: 'macro'"),
        (ClassifierConfig, {"head_l2_grid": [0.1, -1.0]}, "head_l2_grid: needs positive values"),
        (ClassifierConfig, {"encoders": {"backend": "cuda"}}, "EncoderConfig.backend: 'cuda' is not one of"),
        (EncoderConfig, {"backend": "tpu"}, "EncoderConfig.backend: 'tpu'"),
        (EncoderConfig, {"batch_size": 0}, "EncoderConfig.batch_size: 0 is below"),
        (EncoderConfig, {"poster_model": "lite9"}, "EncoderConfig.poster_model"),
    ],
)
def test_bad_values_name_the_field(cls, changes, message):
    with pytest.raises(ConfigError, match=message):
        cls().replace(**changes)


def test_unknown_settings_are_refused():
    with pytest.raises(ConfigError, match=r"unknown settings \['epochs'\]"):
        ClassifierConfig.from_dict({"epochs": 3})
    with pytest.raises(ConfigError, match="unknown settings"):
        EncoderConfig.from_dict({"cache_dir": "/tmp"})  # a model folder may not choose paths
    with pytest.raises(TypeError):
        EncoderConfig(cache_dir="/tmp")


def test_configs_are_frozen_and_round_trip():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.fusion = "sum"
    again = ClassifierConfig.from_dict(DEFAULTS.to_dict())
    assert again == DEFAULTS and isinstance(again.encoders, EncoderConfig)
    assert DEFAULTS.replace(lr=1).lr == 1.0 and isinstance(DEFAULTS.replace(lr=1).lr, float)


def test_fusion_names_have_one_registry():
    from moviegenre.modeling.fusion import FUSIONS

    assert tuple(FUSIONS) == choices(FusionName)


def test_help_texts_live_in_the_config():
    assert help_of(ClassifierConfig, "fusion") and help_of(EncoderConfig, "backend")


def test_defaults_use_every_signal():
    """The measured best (docs/model.md): every input, the all-text TF-IDF head, balanced thresholds."""
    from moviegenre.config import DEFAULTS, INPUTS

    assert sorted(DEFAULTS.inputs) == sorted(INPUTS)
    assert DEFAULTS.tfidf_views == ["text"] and DEFAULTS.threshold_objective == "balanced"
