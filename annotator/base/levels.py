"""Levels of measurement, in a module of their own so the CLI can name them cheaply."""

from __future__ import annotations

from typing import Literal

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
