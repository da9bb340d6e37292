"""The experiment: the study's ablation redone on one split, with baselines and the study's replica.

``run`` (orchestration, resumable) → ``rows`` (what each row is and how it runs: ours, the
``replica`` of the study's model, the ``baselines``) → ``report`` (tables, acceptance checks) and
``plots``. ``run_experiment`` is the entry point.
"""

from .run import run_experiment

__all__ = ["run_experiment"]
