"""The scenario page's levers: which parameters are editable, and a validated edited scenario.

Editable parameters are a lever's numbers (workers, wage, shares, amounts) and the entries of
its ``workers_per_year`` table; form fields are named ``l<k>.<field>`` or
``l<k>.<field>.<key>``. Edited values are validated by the scenario's own pydantic model, so a
share above 1 or a negative wage is refused with the model's message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autonomy_monitor.api import scenarios as scenario_api

MAX_FIELDS = 64


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def lever_fields(spec: Any) -> list[dict[str, Any]]:
    """One entry per editable number: name (form field), lever label, parameter, current value."""
    fields = []
    for k, lever in enumerate(spec.levers, start=1):
        label = lever.label or lever.type
        for key, value in lever.model_dump(exclude={"type", "label"}).items():
            if is_number(value):
                fields.append({"name": f"l{k}.{key}", "lever": label, "parameter": key, "value": value,
                               "step": "0.01" if isinstance(value, float) and value <= 1 else "any"})
            elif isinstance(value, dict) and all(is_number(v) for v in value.values()):
                fields += [{"name": f"l{k}.{key}.{sub}", "lever": label, "parameter": f"{key} [{sub}]", "value": v,
                            "step": "any"} for sub, v in value.items()]
    return fields


def edited_scenario(name: str, params: Mapping[str, str]) -> tuple[Any, dict[str, float]]:
    """The bundled scenario ``name`` with the form's values; ValueError naming a bad field."""
    spec = scenario_api.scenario_spec(name)
    known = {f["name"]: f for f in lever_fields(spec)}
    edits: dict[str, float] = {}
    for key, text in params.items():
        if not key.startswith("l") or "." not in key:
            continue
        if key not in known:
            raise ValueError(f"Unknown lever parameter {key[:40]!r} for scenario {name}.")
        try:
            edits[key] = float(text)
        except ValueError:
            raise ValueError(f"Lever parameter {key} must be a number, got {text[:20]!r}.") from None
        if not math.isfinite(edits[key]) or abs(edits[key]) > 1e12:
            raise ValueError(f"Lever parameter {key} is out of range: {text[:20]!r}.")
    if len(edits) > MAX_FIELDS:
        raise ValueError("Too many lever parameters.")
    if not edits:
        return spec, edits
    data = spec.model_dump()
    for key, value in edits.items():
        parts = key.split(".")
        lever = data["levers"][int(parts[0][1:]) - 1]
        if len(parts) == 2:
            lever[parts[1]] = int(value) if isinstance(lever[parts[1]], int) and value.is_integer() else value
        else:
            lever[parts[1]][parts[2]] = value
    try:
        return type(spec).model_validate(data), edits
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        first = str(error).splitlines()
        raise ValueError(f"Invalid lever value: {' '.join(first[1:3]) if len(first) > 2 else first[0]}") from None
