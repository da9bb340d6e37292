"""Every example output in docs/serving.md and the README's model card is what the shipped model gives.

The examples sit in ``<!-- generated:example-* -->`` blocks; ``scripts/render_docs.py --examples``
predicts their movies in process (the Python API, the FastAPI app through TestClient, the CLI through
typer's runner) and this test checks the committed text equals that output.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from moviegenre.pretrained import DEFAULT_MODEL, available

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(DEFAULT_MODEL not in available(), reason="no shipped model in this checkout"),
]


def test_docs_example_outputs_are_the_shipped_models(tmp_path):
    spec = importlib.util.spec_from_file_location("render_docs", ROOT / "scripts" / "render_docs.py")
    rd = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rd)
    blocks = rd.render_examples(cache_dir=tmp_path / "cache")
    assert set(blocks) == {"example-python", "example-http", "example-cli", "example-new-movies"}
    seen = set()
    for doc in rd.DOCS:
        text = doc.read_text(encoding="utf-8")
        assert rd.replace_blocks(text, blocks) == text, (
            f"{doc.name}: an example output is not what the shipped model gives: run "
            "./scripts/render-docs --examples"
        )
        seen.update(n for n in rd.block_names(text) if n in blocks)
    assert seen == set(blocks)
