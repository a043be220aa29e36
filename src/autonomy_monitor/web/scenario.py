"""The scenario page's levers: which parameters are editable, and a validated edited scenario.

Editable parameters are a lever's numbers (workers, wage, shares, amounts) and the entries of
its ``workers_per_year`` table; form fields are named ``l<k>.<field>`` or
``l<k>.<field>.<key>``. Edited values are validated by the scenario's own pydantic model, so a
share above 1 or a negative wage is refused with the model's message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from autonomy_monitor.api import scenarios as scenario_api
from autonomy_monitor.web import specs

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
                fields.append(
                    {
                        "name": f"l{k}.{key}",
                        "lever": label,
                        "parameter": key,
                        "value": value,
                        "step": "0.01" if isinstance(value, float) and value <= 1 else "any",
                    }
                )
            elif isinstance(value, dict) and all(is_number(v) for v in value.values()):
                fields += [
                    {
                        "name": f"l{k}.{key}.{sub}",
                        "lever": label,
                        "parameter": f"{key} [{sub}]",
                        "value": v,
                        "step": "any",
                    }
                    for sub, v in value.items()
                ]
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
            raise ValueError(
                f"Lever parameter {key} must be a number, got {text[:20]!r}."
            ) from None
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
            lever[parts[1]] = (
                int(value) if isinstance(lever[parts[1]], int) and value.is_integer() else value
            )
        else:
            lever[parts[1]][parts[2]] = value
    try:
        return type(spec).model_validate(data), edits
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        first = str(error).splitlines()
        raise ValueError(
            f"Invalid lever value: {' '.join(first[1:3]) if len(first) > 2 else first[0]}"
        ) from None


#: Measures drawn as baseline-vs-scenario charts above the results table, most telling first.
CHARTED_MEASURES = (
    "remittance_dependence",
    "remittance_share",
    "workers_in_destination",
    "gas_export_share",
    "export_share",
    "total_share",
    "remittances_usd",
)
MAX_CHARTS = 3


def is_share(measure: str) -> bool:
    """Shares and ratios to GDP are shown as percentages."""
    return measure.endswith(("_share", "_dependence"))


def most_changed_partner(frame: pl.DataFrame) -> str | None:
    """The partner (ISO3, None for 'all partners') whose value the scenario moves most."""
    ranked = (
        frame.group_by("partner_iso3")
        .agg(pl.col("difference").abs().max().alias("change"))
        .sort("change", "partner_iso3", descending=[True, False], nulls_last=True)
    )
    return ranked["partner_iso3"][0] if ranked.height else None


def scenario_charts(
    rows: pl.DataFrame, *, name: Callable[[str | None], str], t: Callable[..., str], source: str
) -> list[dict[str, Any]]:
    """Up to ``MAX_CHARTS`` chart specs, one per measure for the partner the scenario moves most
    (baseline dashed, scenario solid over the years, with the interval where the result has
    ``scenario_lo``/``scenario_hi``), labelled in words: [{"measure", "label", "spec"}]."""
    from autonomy_monitor import charts  # Altair: loaded by web.app.warm_up, not at server start

    present = set(rows["measure"].unique().to_list()) if rows.height else set()
    chosen = [m for m in CHARTED_MEASURES if m in present][:MAX_CHARTS]
    out = []
    for measure in chosen:
        frame = rows.filter(pl.col("measure") == measure)
        partner = most_changed_partner(frame)
        frame = frame.filter(pl.col("partner_iso3").eq_missing(partner)).with_columns(
            pl.lit(name(partner) if partner else t("scenario.all_partners")).alias("partner")
        )
        label = t(f"measure.{measure}")
        where = name(partner) if partner else t("scenario.all_partners")
        spec = charts.scenario_over_time(
            frame,
            title=t("scenario.chart_title", measure=label, partner=where),
            source=source,
            measure_label=label,
            series_labels=(t("scenario.baseline"), t("scenario.scenario")),
            value_is_share=is_share(measure),
            height=200,
        )
        out.append(
            {"measure": measure, "label": f"{label} ({where})", "spec": specs.responsive(spec)}
        )
    return out
