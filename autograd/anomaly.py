"""Placeholder filled by the anomaly-detection work (issue 7)."""

from __future__ import annotations

from typing import Any


def check_forward(v: Any) -> None:
    return None


def backward_checked(order: list[Any]) -> None:
    raise NotImplementedError
