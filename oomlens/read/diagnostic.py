"""A diagnostic: something in the input the reader could not use, with its line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """Something in the input that the reader could not use, with its 1-based line."""

    line: int
    message: str
