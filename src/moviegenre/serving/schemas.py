"""What the HTTP service accepts and answers: pydantic models (so ``/docs`` documents them), the
limits of one request, and the OpenAPI description of the multipart form."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config import ConfigBase, setting
from ..records import split_names


@dataclass(frozen=True)
class ServiceLimits(ConfigBase):
    """What one request may ask for; anything beyond is refused with 413 (or 503 for time)."""

    # a base64 poster is 4/3 of the image
    max_body_bytes: int = setting(8 * 2**20, min=1024, help="Largest request body in bytes.")
    max_poster_bytes: int = setting(5 * 2**20, min=1024, help="Largest poster file in bytes.")
    # real posters are < 1 MP; 16 MP covers any phone photo
    max_pixels: int = setting(16_000_000, min=1, help="Largest poster in pixels.")
    max_batch: int = setting(64, min=1, help="Most movies per /predict/batch call.")
    timeout_s: float = setting(30.0, min=0.1, help="Seconds a prediction may take.")
    workers: int = setting(2, min=1, help="Model threads taking batches.")


class MovieIn(BaseModel):
    """One movie to predict; every field may be missing. ``companies``: a list or ``"A; B"``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Moonlight Harbour",
                    "overview": "Two rival fishermen fall in love during a storm that cuts their village off.",
                    "companies": ["Seaside Pictures"],
                }
            ]
        },
    )

    title: str | None = Field(None, max_length=1000)
    overview: str | None = Field(None, max_length=20000)
    companies: list[str] | None = Field(None, max_length=200)
    poster_b64: str | None = Field(None, description="the poster image (JPEG/PNG/...), base64-encoded")

    @field_validator("companies", mode="before")
    @classmethod
    def _split_companies(cls, v):
        return list(split_names(v)) if isinstance(v, str) else v


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    movies: list[MovieIn]


class Prediction(BaseModel):
    genres: list[str] = Field(description="predicted genres (score over the genre's tuned threshold)")
    scores: dict[str, float] = Field(description="probability per genre")
    weights: dict[str, float] | None = Field(None, description="how much each input counted (gated/late)")


class BatchOut(BaseModel):
    predictions: list[Prediction]


MULTIPART_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "overview": {"type": "string"},
        "companies": {"type": "string", "description": "separated by ';'"},
        "poster": {"type": "string", "format": "binary"},
    },
}
PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/MovieIn"}},
            "multipart/form-data": {"schema": MULTIPART_SCHEMA},
        },
    }
}
