"""The scenario engine: baseline dependence rows in, baseline vs scenario out (no IO).

1. The baseline is the rows of ``out_dependence__yearly`` for the countries a scenario touches
   (trade: the ``chosen`` view). Scenario years after the last observed year of a country and
   dimension hold that year's values (flag ``held_from_<year>``: an assumption, stated).
2. The flows behind the measures (remittances US$, exports/imports US$, ODA US$, gas bcm) are
   extracted as *amounts*; GDP is recovered from the stored ratios (amount / ratio).
3. The levers (:mod:`autonomy_monitor.scenarios.levers`) change the amounts, in file order.
4. Every (country, year, dimension) whose amounts changed is recomputed with the project's own
   formulas (shares, HHI, ratio to GDP; ``indicators/shares.py``); all other rows are the
   baseline rows themselves, so a scenario whose levers are all zero reproduces the baseline
   exactly.
5. The comparison joins baseline and scenario rows: values and differences, with the
   scenario's assumptions carried along.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from autonomy_monitor.catalog import indicator_units
from autonomy_monitor.indicators import shares as sh
from autonomy_monitor.scenarios import levers as lv
from autonomy_monitor.scenarios.spec import (
    Aid,
    LabourMobility,
    RemittanceShock,
    Scenario,
    SupplierRemoval,
    TradeDiversion,
)

OUT_COLUMNS = [
    "country_iso3",
    "partner_iso3",
    "year",
    "dimension",
    "measure",
    "value",
    "unit",
    "method",
    "source",
    "flag",
]
JOIN = ["country_iso3", "partner_iso3", "year", "dimension", "measure"]

# (dimension, flow) -> amount measure, share measure, hhi measure, ratio-to-GDP measure, unnamed
# amount, unnamed share
FLOWS: dict[tuple[str, str], dict[str, str | None]] = {
    ("remittances", "remittances"): {
        "amount": "remittances_usd",
        "share": "remittance_share",
        "hhi": "remittance_sender_hhi",
        "ratio": "remittance_dependence",
        "unnamed_amount": None,
        "unnamed_share": None,
    },
    ("trade", "exports"): {
        "amount": "export_usd",
        "share": "export_share",
        "hhi": "export_hhi",
        "ratio": None,
        "unnamed_amount": None,
        "unnamed_share": None,
    },
    ("trade", "imports"): {
        "amount": "import_usd",
        "share": "import_share",
        "hhi": "import_hhi",
        "ratio": None,
        "unnamed_amount": None,
        "unnamed_share": None,
    },
    ("trade", "total"): {
        "amount": "total_usd",
        "share": "total_share",
        "hhi": "total_hhi",
        "ratio": "exposure_share",
        "unnamed_amount": None,
        "unnamed_share": None,
    },
    ("aid", "oda"): {
        "amount": "oda_usd",
        "share": "oda_share",
        "hhi": "donor_hhi",
        "ratio": None,
        "unnamed_amount": "non_country_oda_usd",
        "unnamed_share": "non_country_oda_share",
    },
    ("energy", "gas_exports"): {
        "amount": "gas_exports_bcm",
        "share": "gas_export_share",
        "hhi": "gas_export_hhi",
        "ratio": None,
        "unnamed_amount": "gas_exports_bcm_unnamed",
        "unnamed_share": "gas_export_share_unnamed",
    },
}


def catalog_units() -> dict[str, str]:
    """measure -> unit, from the indicator catalog (the only place units are written down)."""
    return {name: entry.unit for name, entry in indicator_units().items()}


LEVER_DIMENSIONS = {
    "labour_mobility": ["remittances"],
    "remittance_shock": ["remittances"],
    "trade_diversion": ["trade", "energy"],
    "supplier_removal": ["trade", "remittances", "aid", "energy"],
    "aid": ["aid"],
}


def lever_countries(scenario: Scenario) -> list[str]:
    codes = [scenario.scenario.country]
    for lever in scenario.levers:
        code = getattr(lever, "origin", None) or getattr(lever, "country", None)
        if code and code not in codes:
            codes.append(code)
    return codes


def lever_dimensions(scenario: Scenario) -> list[str]:
    dims: list[str] = []
    for lever in scenario.levers:
        wanted = (
            [lever.dimension]
            if isinstance(lever, TradeDiversion | SupplierRemoval)
            else LEVER_DIMENSIONS[lever.type]
        )
        dims.extend(d for d in wanted if d not in dims)
    return dims or ["remittances"]


def lever_partners(scenario: Scenario) -> list[str]:
    """Partners the levers name (destinations, diverted-from, donors ...), in file order."""
    out: list[str] = []
    for lever in scenario.levers:
        for name in (
            "destination",
            "diverted_from",
            "partner",
            "from_partner",
            "to_partner",
            "donor",
        ):
            code = getattr(lever, name, None)
            if code and code not in out:
                out.append(code)
    return out


# --------------------------------------------------------------------------------------------
# Baseline preparation


def hold_years(frame: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Rows for ``years``: observed years as they are; later years copy the last observed year.

    Copied rows get the flag ``held_from_<year>`` (joined to an existing flag with ';').
    A year counts as observed for a dimension only if it has that dimension's amounts (e.g.
    ``remittances_usd``): a year with shares but no total (a central bank's share for a year
    the WDI total does not reach yet) would otherwise start a scenario from no money at all.
    """
    if frame.is_empty():
        return frame
    observed_rows = frame.filter(_has_amounts())
    observed = observed_rows.group_by("country_iso3", "dimension").agg(
        pl.col("year").unique().sort().alias("seen")
    )
    kept = observed.explode("seen").rename({"seen": "year"})
    parts = [
        frame.join(kept, on=["country_iso3", "dimension", "year"], how="semi").filter(
            pl.col("year").is_in(list(years))
        )
    ]
    for country, dimension, seen in observed.iter_rows():
        for year in years:
            if year in seen:
                continue
            earlier = [y for y in seen if y < year]
            if not earlier:
                continue
            source_year = earlier[-1]
            label = f"held_from_{source_year}"
            parts.append(
                frame.filter(
                    (pl.col("country_iso3") == country)
                    & (pl.col("dimension") == dimension)
                    & (pl.col("year") == source_year)
                ).with_columns(
                    pl.lit(year, dtype=pl.Int32).alias("year"),
                    pl.when(pl.col("flag").is_null())
                    .then(pl.lit(label))
                    .otherwise(pl.col("flag") + ";" + label)
                    .alias("flag"),
                )
            )
    return pl.concat(parts).sort(
        "country_iso3", "dimension", "year", "measure", "partner_iso3", nulls_last=True
    )


def _amount_measures() -> dict[str, set[str]]:
    """dimension -> the measures that carry its amounts (from :data:`FLOWS`)."""
    out: dict[str, set[str]] = {}
    for (dimension, _flow), names in FLOWS.items():
        out.setdefault(dimension, set()).update(
            m for m in (names["amount"], names["unnamed_amount"]) if m is not None
        )
    return out


def _has_amounts() -> pl.Expr:
    """Rows of a dimension without amount measures, or amount rows of one that has them."""
    measures = _amount_measures()
    expr = ~pl.col("dimension").is_in(list(measures))
    for dimension, names in measures.items():
        expr = expr | ((pl.col("dimension") == dimension) & pl.col("measure").is_in(sorted(names)))
    return expr


def extract_amounts(frame: pl.DataFrame) -> pl.DataFrame:
    """The flows behind the measures, one row per country, partner, year, dimension and flow."""
    parts = []
    for (dimension, flow), names in FLOWS.items():
        if flow == "total":
            continue
        for measure, named in ((names["amount"], True), (names["unnamed_amount"], False)):
            if measure is None:
                continue
            rows = frame.filter((pl.col("dimension") == dimension) & (pl.col("measure") == measure))
            rows = rows.filter(
                pl.col("partner_iso3").is_not_null() if named else pl.col("partner_iso3").is_null()
            )
            parts.append(
                rows.select(
                    "country_iso3",
                    "partner_iso3",
                    "year",
                    "dimension",
                    pl.lit(flow).alias("flow"),
                    pl.col("value").alias("amount"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=lv.AMOUNT_SCHEMA)
    return pl.concat(parts).cast(lv.AMOUNT_SCHEMA).sort(lv.KEY, nulls_last=True)  # type: ignore[arg-type]


def extract_gdp(frame: pl.DataFrame) -> pl.DataFrame:
    """GDP (US$) per country, year and dimension recovered as amount / ratio from stored rows."""
    parts = []
    for (dimension, _flow), names in FLOWS.items():
        if names["ratio"] is None:
            continue
        rows = frame.filter(pl.col("dimension") == dimension)
        amount = rows.filter(pl.col("measure") == names["amount"]).select(
            "country_iso3", "partner_iso3", "year", pl.col("value").alias("a")
        )
        ratio = rows.filter(pl.col("measure") == names["ratio"]).select(
            "country_iso3", "partner_iso3", "year", pl.col("value").alias("r")
        )
        parts.append(
            amount.join(ratio, on=["country_iso3", "partner_iso3", "year"])
            .filter(pl.col("r") > 0)
            .group_by("country_iso3", "year")
            .agg((pl.col("a") / pl.col("r")).median().alias("gdp_usd"))
            .with_columns(pl.lit(dimension).alias("dimension"))
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "year": pl.Int32,
                "gdp_usd": pl.Float64,
                "dimension": pl.String,
            }
        )
    return pl.concat(parts)


# --------------------------------------------------------------------------------------------
# Recomputation (the project's formulas)


def recompute(
    amounts: pl.DataFrame, gdp: pl.DataFrame, baseline: pl.DataFrame, baseline_amounts: pl.DataFrame
) -> pl.DataFrame:
    """Measures for the groups in ``amounts`` (out schema, without method/source/flag)."""
    parts = []
    frame = amounts
    trade = frame.filter(pl.col("dimension") == "trade")
    if trade.height:
        # total = exports + imports for partners with both flows (as the trade step does)
        pair = ["country_iso3", "partner_iso3", "year", "dimension"]
        total = (
            trade.filter(pl.col("flow") == "exports")
            .join(
                trade.filter(pl.col("flow") == "imports").select(
                    *pair, pl.col("amount").alias("imports")
                ),
                on=pair,
                nulls_equal=True,
            )
            .with_columns(
                (pl.col("amount") + pl.col("imports")).alias("amount"),
                pl.lit("total").alias("flow"),
            )
        )
        frame = pl.concat([frame, total.select(frame.columns)])
    for (dimension, flow), names in FLOWS.items():
        rows = frame.filter((pl.col("dimension") == dimension) & (pl.col("flow") == flow))
        if rows.is_empty():
            continue
        rows = rows.with_columns(
            pl.col("amount").clip(lower_bound=0.0).alias("positive")
            if dimension == "aid"
            else pl.col("amount").alias("positive")
        )
        rows = sh.partner_shares(rows, ["country_iso3", "year"], "positive")
        named, unnamed = (
            rows.filter(pl.col("partner_iso3").is_not_null()),
            rows.filter(pl.col("partner_iso3").is_null()),
        )
        out = [_long(named, names["amount"], "amount"), _long(named, names["share"], "share")]
        if names["unnamed_amount"]:
            out += [
                _long(unnamed, names["unnamed_amount"], "amount"),
                _long(unnamed, names["unnamed_share"], "share"),
            ]
        if names["ratio"]:
            ratio = named.join(
                gdp.filter(pl.col("dimension") == dimension).select(
                    "country_iso3", "year", "gdp_usd"
                ),
                on=["country_iso3", "year"],
                how="inner",
            ).with_columns((pl.col("amount") / pl.col("gdp_usd")).alias("ratio"))
            out.append(_long(ratio, names["ratio"], "ratio"))
        concentration = sh.hhi(rows if dimension != "aid" else named, ["country_iso3", "year"])
        if dimension == "aid":
            concentration = _aid_hhi(concentration, rows, baseline, baseline_amounts)
        out.append(
            concentration.select(
                "country_iso3",
                pl.lit(None, dtype=pl.String).alias("partner_iso3"),
                "year",
                pl.lit(dimension).alias("dimension"),
                pl.lit(names["hhi"]).alias("measure"),
                pl.col("hhi").alias("value"),
            )
        )
        parts.extend(p.with_columns(pl.lit(dimension).alias("dimension")) for p in out)
    if not parts:
        return pl.DataFrame(
            schema={c: t for c, t in sh.OUTPUT_SCHEMA.items() if c in JOIN + ["value"]}
        )
    return pl.concat(
        [p.select(*JOIN, "value").cast({"year": pl.Int32, "value": pl.Float64}) for p in parts]
    )


def _long(frame: pl.DataFrame, measure: str | None, column: str) -> pl.DataFrame:
    return frame.select(
        "country_iso3",
        "partner_iso3",
        "year",
        pl.lit(measure).alias("measure"),
        pl.col(column).alias("value"),
    )


def _aid_hhi(
    named_hhi: pl.DataFrame,
    rows: pl.DataFrame,
    baseline: pl.DataFrame,
    baseline_amounts: pl.DataFrame,
) -> pl.DataFrame:
    """donor_hhi keeps the multilateral donors' own terms: H1 = Σ s1² + (H0 − Σ s0²)·(T0/T1)².

    The amounts hold the non-country donors as one sum, but the stored HHI counts each of them;
    their amounts do not change, so their shares scale by T0/T1.
    """
    old = baseline_amounts.filter(
        (pl.col("dimension") == "aid") & (pl.col("flow") == "oda")
    ).with_columns(pl.col("amount").clip(lower_bound=0.0).alias("positive"))
    old = sh.partner_shares(old, ["country_iso3", "year"], "positive")
    old_named = sh.hhi(
        old.filter(pl.col("partner_iso3").is_not_null()), ["country_iso3", "year"], out="s0"
    )
    totals_old = old.group_by("country_iso3", "year").agg(pl.col("positive").sum().alias("t0"))
    totals_new = rows.group_by("country_iso3", "year").agg(pl.col("positive").sum().alias("t1"))
    stored = baseline.filter(pl.col("measure") == "donor_hhi").select(
        "country_iso3", "year", pl.col("value").alias("h0")
    )
    return (
        named_hhi.join(
            old_named.select("country_iso3", "year", "s0"), on=["country_iso3", "year"], how="left"
        )
        .join(totals_old, on=["country_iso3", "year"], how="left")
        .join(totals_new, on=["country_iso3", "year"], how="left")
        .join(stored, on=["country_iso3", "year"], how="left")
        .with_columns(
            (
                pl.col("hhi")
                + (
                    (pl.col("h0") - pl.col("s0")).clip(lower_bound=0.0)
                    * (pl.col("t0") / pl.col("t1")) ** 2
                ).fill_null(0.0)
            ).alias("hhi")
        )
    )


# --------------------------------------------------------------------------------------------
# Running a scenario


@dataclass
class ScenarioResult:
    scenario: Scenario
    baseline: pl.DataFrame  # out_dependence rows for the scenario years (out schema)
    result: pl.DataFrame  # the same rows after the levers (out schema)
    comparison: pl.DataFrame  # JOIN keys, unit, baseline, scenario, difference, method, flag
    workers: pl.DataFrame  # labour-mobility stock by year (empty without that lever)
    assumptions: pl.DataFrame  # lever, kind, text, source
    notes: list[str] = field(default_factory=list)


def starting_stock(
    residents: pl.DataFrame | None, origin: str, groups: Sequence[str]
) -> tuple[float, str]:
    """Workers of ``origin`` nationality in Japan: statuses whose group starts with one of
    ``groups``."""
    if residents is None or residents.is_empty():
        return 0.0, "no residence statistics available"
    rows = residents.filter(
        (pl.col("nationality_iso3") == origin)
        & (
            pl.any_horizontal(*[pl.col("status_group").str.starts_with(g) for g in groups])
            | pl.col("is_specified_skilled_worker")
        )
    )
    date = residents["reference_date"].drop_nulls()
    label = f"ISA residence statistics, reference date {date[0] if date.len() else 'unknown'}" + (
        " (inferred)"
        if "reference_date_inferred" in residents.columns
        and residents["reference_date_inferred"].any()
        else ""
    )
    return float(rows["residents"].sum()), label


def apply_levers(
    scenario: Scenario,
    amounts: pl.DataFrame,
    emigrants: pl.DataFrame | None,
    residents: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    years = scenario.years
    notes: list[str] = []
    workers = []
    for lever in scenario.levers:
        if isinstance(lever, LabourMobility):
            outcome = lv.labour_mobility(amounts, lever, years, emigrants)
            amounts = outcome.amounts
            notes.extend(outcome.notes)
            start, label = (
                starting_stock(residents, lever.origin, lever.stock_status_groups)
                if lever.destination == "JPN"
                else (0.0, "")
            )
            if label:
                notes.append(
                    f"Starting stock of {lever.origin} workers in {lever.destination}: "
                    f"{start:,.0f} ({label}; statuses {', '.join(lever.stock_status_groups)} "
                    "and Specified Skilled Worker), held constant."
                )
            workers.append(
                outcome.workers.group_by("year")
                .agg(
                    pl.col("arrivals").sum(),
                    pl.col("stock").sum().alias("added_stock"),
                    pl.col("added_usd").sum(),
                    pl.col("diverted_usd").sum(),
                )
                .with_columns(
                    pl.lit(lever.origin).alias("origin"),
                    pl.lit(lever.destination).alias("destination"),
                    pl.lit(start).alias("starting_stock"),
                )
                .sort("year")
            )
        elif isinstance(lever, RemittanceShock):
            amounts = lv.remittance_shock(amounts, lever, years)
        elif isinstance(lever, TradeDiversion):
            amounts = lv.trade_diversion(amounts, lever, years)
        elif isinstance(lever, SupplierRemoval):
            amounts, removed = lv.supplier_removal(amounts, lever, years)
            if removed:
                notes.append(
                    f"supplier_removal ({lever.dimension}): removed {lever.share:.0%} of "
                    + ", ".join(f"{p} in {y}" for y, p in sorted(removed.items()))
                    + "."
                )
        elif isinstance(lever, Aid):
            amounts = lv.aid(amounts, lever, years)
    frame = pl.concat(workers) if workers else pl.DataFrame()
    return amounts, frame, notes


def changed_groups(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """(country, year, dimension) whose amounts differ (including new or vanished partners)."""
    joined = before.join(
        after, on=lv.KEY, how="full", coalesce=True, nulls_equal=True, suffix="_after"
    )
    differs = joined.filter(pl.col("amount").ne_missing(pl.col("amount_after")))
    return differs.select("country_iso3", "year", "dimension").unique()


def run(
    scenario: Scenario, dependence: pl.DataFrame, *, residents: pl.DataFrame | None = None
) -> ScenarioResult:
    """Baseline vs scenario for one validated scenario.

    ``dependence``: rows of out_dependence__yearly (out schema) for the scenario's countries and
    dimensions, any years up to the scenario's last (earlier years are used to hold values);
    migration ``emigrants`` rows are used by labour mobility with ``diverted_from``.
    ``residents``: out_migration__japan_residents (starting stock of workers in Japan).
    """
    years = scenario.years
    dims = lever_dimensions(scenario)
    dependence = dependence.select(OUT_COLUMNS).filter(
        pl.col("country_iso3").is_in(lever_countries(scenario))
    )
    emigrants = dependence.filter(
        (pl.col("dimension") == "migration")
        & (pl.col("measure") == "emigrants")
        & (pl.col("method") == "un_desa_stock")
    ).select("country_iso3", "partner_iso3", "year", pl.col("value").alias("emigrants"))
    # point estimates only: the estimator's interval bounds (remittance_share_lo/_hi ...) are not
    # recomputed by the levers, so they stay out of the scenario rather than go stale
    base = dependence.filter(
        pl.col("dimension").is_in(dims)
        & ((pl.col("dimension") != "trade") | (pl.col("method") == "chosen"))
        & ~pl.col("measure").str.contains(r"_(lo|hi)$")
    )
    baseline = hold_years(base, years)
    before = extract_amounts(baseline)
    gdp = extract_gdp(baseline)
    after, workers, notes = apply_levers(scenario, before, emigrants, residents)
    for country in lever_countries(scenario):
        missing = [
            d
            for d in dims
            if baseline.filter(
                (pl.col("country_iso3") == country) & (pl.col("dimension") == d)
            ).is_empty()
        ]
        if missing:
            notes.append(
                f"No baseline rows for {country} ({', '.join(missing)}) in "
                f"or before {years[0]}–{years[-1]}: levers there change "
                "nothing (partners absent from the baseline start from 0)."
            )
    groups = changed_groups(before, after)
    if groups.is_empty():
        result = baseline
    else:
        recomputed = recompute(
            after.join(groups, on=["country_iso3", "year", "dimension"]), gdp, baseline, before
        )
        # only measures the baseline has for that country, year and dimension (never invent a
        # share the build withheld, e.g. for partial years)
        present = baseline.select("country_iso3", "year", "dimension", "measure").unique()
        recomputed = recomputed.join(
            present, on=["country_iso3", "year", "dimension", "measure"], how="semi"
        )
        replaced = recomputed.select("country_iso3", "year", "dimension", "measure").unique()
        kept = baseline.join(
            replaced, on=["country_iso3", "year", "dimension", "measure"], how="anti"
        )
        meta = baseline.select(*JOIN, "unit", "method", "source", "flag")
        group_meta = (
            baseline.filter(pl.col("partner_iso3").is_not_null())
            .group_by("country_iso3", "year", "dimension")
            .agg(
                pl.col("method").first().alias("g_method"),
                pl.col("source").first().alias("g_source"),
            )
        )
        new = (
            recomputed.join(meta, on=JOIN, how="left", nulls_equal=True)
            .join(group_meta, on=["country_iso3", "year", "dimension"], how="left")
            .with_columns(
                pl.col("unit").fill_null(
                    pl.col("measure").replace_strict(catalog_units(), default="")
                ),
                pl.when(pl.col("method").is_null())
                .then(pl.lit("scenario_new_partner"))
                .otherwise(pl.col("flag"))
                .alias("flag"),
                pl.col("method").fill_null(pl.lit("scenario")),
                pl.col("source").fill_null(pl.col("g_source")),
            )
            .select(OUT_COLUMNS)
        )
        result = pl.concat([kept, new]).sort(
            "country_iso3", "dimension", "year", "measure", "partner_iso3", nulls_last=True
        )
    comparison = compare(baseline, result)
    if workers.height:
        comparison = pl.concat([comparison, worker_rows(workers)], how="diagonal_relaxed")
    return ScenarioResult(
        scenario, baseline, result, comparison, workers, assumptions_frame(scenario), notes
    )


def compare(baseline: pl.DataFrame, result: pl.DataFrame) -> pl.DataFrame:
    """Baseline and scenario side by side. A partner absent from the baseline counts as 0 there."""
    joined = baseline.select(
        *JOIN, "unit", "method", "flag", pl.col("value").alias("baseline")
    ).join(
        result.select(
            *JOIN,
            pl.col("unit").alias("unit_s"),
            pl.col("method").alias("method_s"),
            pl.col("flag").alias("flag_s"),
            pl.col("value").alias("scenario"),
        ),
        on=JOIN,
        how="full",
        coalesce=True,
        nulls_equal=True,
    )
    return (
        joined.with_columns(
            pl.col("unit").fill_null(pl.col("unit_s")),
            pl.col("method").fill_null(pl.col("method_s")),
            pl.col("flag").fill_null(pl.col("flag_s")),
            pl.col("baseline").fill_null(0.0),
            pl.col("scenario").fill_null(0.0),
        )
        .with_columns((pl.col("scenario") - pl.col("baseline")).alias("difference"))
        .select(*JOIN, "unit", "baseline", "scenario", "difference", "method", "flag")
        .sort("country_iso3", "dimension", "measure", "year", "partner_iso3", nulls_last=True)
    )


def worker_rows(workers: pl.DataFrame) -> pl.DataFrame:
    return workers.select(
        pl.col("origin").alias("country_iso3"),
        pl.col("destination").alias("partner_iso3"),
        pl.col("year").cast(pl.Int32),
        pl.lit("migration").alias("dimension"),
        pl.lit("workers_in_destination").alias("measure"),
        pl.lit("persons").alias("unit"),
        pl.col("starting_stock").alias("baseline"),
        (pl.col("starting_stock") + pl.col("added_stock")).alias("scenario"),
        pl.col("added_stock").alias("difference"),
        pl.lit("starting stock held constant + scenario arrivals").alias("method"),
        pl.lit(None, dtype=pl.String).alias("flag"),
    )


def assumptions_frame(scenario: Scenario) -> pl.DataFrame:
    """The scenario's stated assumptions, then one line per lever with its parameters."""
    rows = [
        {"lever": "scenario", "kind": a.kind, "text": a.text, "source": a.source}
        for a in scenario.assumptions
    ]
    for k, lever in enumerate(scenario.levers, start=1):
        params = lever.model_dump(
            exclude={"type", "label"}, exclude_none=True, exclude_defaults=False
        )
        text = ", ".join(f"{key}={value}" for key, value in params.items() if value not in ({}, []))
        rows.append(
            {
                "lever": f"{k}. {lever.label or lever.type}",
                "kind": "parameters",
                "text": f"{lever.type}: {text}",
                "source": None,
            }
        )
    rows.append(
        {
            "lever": "engine",
            "kind": "assumption",
            "text": "Years after the last observed year hold that year's values "
            "(flag held_from_<year>); partners absent from the baseline "
            "count as 0 there; trade asymmetry is not recomputed.",
            "source": None,
        }
    )
    return pl.DataFrame(
        rows, schema={"lever": pl.String, "kind": pl.String, "text": pl.String, "source": pl.String}
    )


def key_rows(result: ScenarioResult, top: int = 3) -> pl.DataFrame:
    """The rows a reader needs first: partners the levers name, the top baseline partners,
    concentration."""
    comparison = result.comparison
    named = lever_partners(result.scenario)
    share_measures = [
        "remittance_share",
        "total_share",
        "export_share",
        "import_share",
        "oda_share",
        "gas_export_share",
    ]
    tops = (
        comparison.filter(pl.col("measure").is_in(share_measures))
        .sort("baseline", descending=True)
        .group_by("country_iso3", "dimension", maintain_order=True)
        .head(top)["partner_iso3"]
        .to_list()
    )
    partners = named + [p for p in tops if p not in named]
    return comparison.filter(
        pl.col("partner_iso3").is_in(partners)
        | pl.col("partner_iso3").is_null()
        | (pl.col("measure") == "workers_in_destination")
    )
