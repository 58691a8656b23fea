"""The base of every scenario model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of every scenario model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
