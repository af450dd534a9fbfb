"""Decision rules and calibrations as JSON-ready dicts, and back (no pickle), through the decision
stage's interface: ``{"name": <strategy>, "state": part.state_dict()}``. The part is rebuilt through
the registry (a user's registered rule saves and loads like the built-ins); folders written before
the stage interfaces (``{"kind": "threshold", ...}``) still load."""

from __future__ import annotations

from typing import Any

from unskew.exceptions import InputError
from unskew.registry import get_registry

__all__ = ["calibrator_from_dict", "calibrator_to_dict", "rule_from_dict", "rule_to_dict"]


def _to_dict(part: Any, name: str | None) -> dict[str, Any] | None:
    if part is None:
        return None
    if name is None or not hasattr(part, "state_dict"):
        raise InputError(
            f"cannot save the decision-stage part {type(part).__name__}: it needs a registered "
            "name and a state_dict() method (docs/architecture.md)"
        )
    return {"name": name, "state": part.state_dict()}


def _from_dict(state: dict[str, Any], class_counts: Any) -> Any:
    from unskew.stages import RunContext

    strategy = get_registry().get(state["name"])
    part = strategy.build(None if class_counts is None else RunContext(class_counts=class_counts))
    return part.load_state_dict(state["state"])


def rule_to_dict(rule: Any, name: str | None = None) -> dict[str, Any] | None:
    """``{"name": ..., "state": ...}`` for a fitted decision rule (None for argmax)."""
    return _to_dict(rule, name)


def rule_from_dict(state: dict[str, Any] | None, class_counts: Any = None) -> Any:
    """The fitted rule :func:`rule_to_dict` described."""
    if state is None:
        return None
    if "state" not in state:  # written before the stage interfaces: {"kind": name, ...}
        state = {"name": state.get("kind"), "state": state}
    return _from_dict(state, class_counts)


def calibrator_to_dict(cal: Any, name: str | None = None) -> dict[str, Any] | None:
    """``{"name": ..., "state": ...}`` for a fitted calibration (None for the softmax)."""
    return _to_dict(cal, name)


def calibrator_from_dict(state: dict[str, Any] | None, class_counts: Any = None) -> Any:
    """The fitted calibration :func:`calibrator_to_dict` described."""
    if state is None:
        return None
    if "state" not in state:  # written before the stage interfaces: {"kind": method, ...}
        from unskew.decision import Calibration

        return Calibration(state["kind"]).load_state_dict(state)
    return _from_dict(state, class_counts)
