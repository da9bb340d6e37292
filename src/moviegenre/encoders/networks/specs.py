"""The text networks' facts: dims, token limits, padding, inputs (no imports: every backend reads it)."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ModelError


@dataclass(frozen=True)
class TextNetwork:
    """A sentence-embedding network: mean pooling over the tokens, then L2 norm (as sentence-transformers)."""

    id: str  # the network's name in bundles and the ONNX file name
    dim: int
    max_tokens: int  # sentence-transformers' max_seq_length for the model
    pad_id: int
    pad_token: str
    type_ids: bool  # whether the graph takes token_type_ids (BERT does, MPNet does not)
    cache_version: str  # its features' cache folder version: bump it when the features change


TEXT_NETWORKS = {
    "minilm": TextNetwork("minilm-l6-v2", 384, 256, 0, "[PAD]", True, "minilm-l6-v2.1"),
    "mpnet": TextNetwork("all-mpnet-base-v2", 768, 384, 1, "<pad>", False, "mpnet-base-v2.1"),
}


def text_network(model: str) -> TextNetwork:
    if model not in TEXT_NETWORKS:
        raise ModelError(f"unknown text model {model!r}; choose from {list(TEXT_NETWORKS)}")
    return TEXT_NETWORKS[model]
