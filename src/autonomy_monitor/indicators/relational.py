"""Relational indicators written once with narwhals: the same code runs on Polars, DuckDB and
Spark (DESIGN.md §3 "Scale"). Pure functions: a lazy (or eager) narwhals frame in, one out; no
IO, no engine imports. Which engine runs them is the caller's choice
(``autonomy_monitor.compute``); ``tests/test_conformance.py`` checks all engines agree.

Definitions (DESIGN.md §6):

* ``partner_shares``: ``share(c, p, t) = v(c, p, t) / Σ_p v(c, p, t)`` within each group
  ``by`` — unitless 0..1; rows with a null/negative value or a non-positive group total are
  left out. Where the source reports a total that its partner rows do not add up to
  (``denominator``), ``share = v / max(total, Σ_p v)``: shares of the country's trade, not of
  the listed partners. The only implementation of partner shares: every dimension calls it
  (on Polars in the default build, on DuckDB or Spark with ``--engine``).
* ``hhi``: ``Σ_p share²`` over partners with a positive share — index in [1/N, 1]
  (Herfindahl 1950; Hirschman 1945), with ``n_partners`` = N.
* ``exposure``: ``(X + M of c with p) / GDP(c)`` — share of GDP (Keohane & Nye 1977).
* ``allocation_shares``: remittance senders by the World Bank's allocation
  ``s(c, p, t) ∝ M(c→p, t) × y(p, t)`` (migrant stock × destination GDP per capita;
  Ratha & Shaw 2007), normalised within (c, t).
* ``dependence_union``: the ``out_dependence__<dimension>`` tables stacked in the shared
  schema (``indicators.shares.OUTPUT_SCHEMA``).
* ``supplier_concentration`` / ``strategic_dependence``: product-level (HS6) supplier shares,
  import and world-export HHI and the EU/CEPII strategic-dependency criteria (see their
  docstrings).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import narwhals as nw

Frame = TypeVar("Frame", nw.LazyFrame, nw.DataFrame)

OUTPUT_COLUMNS = {
    "country_iso3": nw.String(),
    "partner_iso3": nw.String(),
    "year": nw.Int32(),
    "dimension": nw.String(),
    "measure": nw.String(),
    "value": nw.Float64(),
    "unit": nw.String(),
    "method": nw.String(),
    "source": nw.String(),
    "flag": nw.String(),
}

# EU strategic-dependency thresholds (European Commission 2021, SWD(2021) 352; CEPII
# Jaravel & Méjean 2021): import concentration, world export concentration.
IMPORT_HHI_THRESHOLD = 0.4
EXPORT_HHI_THRESHOLD = 0.4
MIN_YEARS_HELD = 2
WINDOW_YEARS = 3


def partner_shares(
    frame: Frame,
    by: Sequence[str],
    value: str = "value_usd",
    out: str = "share",
    *,
    denominator: str | None = None,
    used: str | None = None,
    keep_undefined: bool = False,
) -> Frame:
    """Add ``out`` = value / D within each group ``by``; rows with a null or negative value, or
    whose D is not positive, are left out (``keep_undefined``: every row is kept, with a null
    share where D is not positive).

    D = Σ value over the group, or, where column ``denominator`` holds the total the source
    reports (its partner list being incomplete: gold, unallocated trade), the larger of that
    total and Σ value. ``used`` names a column to receive D."""
    kept = frame if keep_undefined else frame.filter(nw.col(value) >= 0)
    total = nw.col(value).sum().over(*by)
    if denominator is not None:
        total = (
            nw.when(nw.col(denominator).is_null())
            .then(total)
            .otherwise(nw.max_horizontal(nw.col(denominator), total))
        )
    if used is None:
        with_share = kept.with_columns(
            nw.when(total > 0).then(nw.col(value) / total).otherwise(None).alias(out)
        )
    else:
        # the group total once, as column ``used`` (a window computed twice costs twice on the
        # trade step's millions of rows); ``used`` keeps its place if the frame has it, else last
        existed = used in kept.columns
        with_share = kept.with_columns(total.alias(used)).with_columns(
            nw.when(nw.col(used) > 0).then(nw.col(value) / nw.col(used)).otherwise(None).alias(out)
        )
        if not existed:
            with_share = with_share.select(*(c for c in with_share.columns if c != used), used)
    return with_share if keep_undefined else with_share.filter(~nw.col(out).is_null())


def hhi(shares: Frame, by: Sequence[str], share: str = "share", out: str = "hhi") -> Frame:
    """One row per group ``by``: ``out`` = Σ share² and ``n_partners`` over positive shares."""
    positive = shares.filter(nw.col(share) > 0)
    return positive.group_by(*by).agg(*_hhi_aggregates(share, out))


def _hhi_aggregates(share: str, out: str) -> list[nw.Expr]:
    return [
        (nw.col(share) * nw.col(share)).sum().alias(out),
        nw.len().cast(nw.Int64()).alias("n_partners"),
    ]


def group_labels(
    frame: Frame, by: Sequence[str], marks: Sequence[str], source: str = "source"
) -> Frame:
    """Per group: ``source`` = min (or ``min | max`` when they differ) and each mark = any."""
    grouped = frame.group_by(*by).agg(*_label_aggregates(marks, source))
    return _merged_labels(grouped, marks, source)


def labelled_hhi(
    shares: Frame,
    by: Sequence[str],
    marks: Sequence[str],
    share: str = "share",
    out: str = "hhi",
    source: str = "source",
) -> Frame:
    """:func:`hhi` with the :func:`group_labels` of the positive shares, in one grouping (the
    same rows as ``hhi(...).join(group_labels(positive, ...), on=by, how="left")``)."""
    positive = shares.filter(nw.col(share) > 0)
    grouped = positive.group_by(*by).agg(
        *_hhi_aggregates(share, out), *_label_aggregates(marks, source)
    )
    return _merged_labels(grouped, marks, source)


def _label_aggregates(marks: Sequence[str], source: str) -> list[nw.Expr]:
    return [
        nw.col(source).min().alias("__lo"),
        nw.col(source).max().alias("__hi"),
        *(nw.col(m).cast(nw.Int32()).max().alias(m) for m in marks),
    ]


def _merged_labels(grouped: Frame, marks: Sequence[str], source: str) -> Frame:
    merged = (
        nw.when(nw.col("__lo") == nw.col("__hi"))
        .then(nw.col("__lo"))
        .otherwise(nw.concat_str(nw.col("__lo"), nw.lit(" | "), nw.col("__hi")))
    )
    return grouped.with_columns(
        merged.alias(source), *((nw.col(m) == 1).alias(m) for m in marks)
    ).drop("__lo", "__hi")


def exposure(views: Frame, gdp: Frame, value: str = "value_usd") -> Frame:
    """``exposure_share`` = chosen total trade with p / GDP(c); ``gdp``: country_iso3, year,
    gdp_usd. Countries or years without positive GDP are left out."""
    chosen = views.filter((nw.col("method") == "chosen") & (nw.col("flow") == "total"))
    joined = chosen.join(
        gdp.with_columns(nw.col("year").cast(nw.Int32())), on=["country_iso3", "year"], how="inner"
    )
    return (
        joined.filter(nw.col("gdp_usd") > 0)
        .with_columns((nw.col(value) / nw.col("gdp_usd")).alias("exposure_share"))
        .drop("gdp_usd")
    )


def allocation_shares(migrants: Frame, gdp_per_capita: Frame) -> Frame:
    """Remittance sender shares by allocation: s(c, p, t) ∝ M(c→p, t) × y(p, t).

    ``migrants``: origin_iso3 (receiver of remittances c), destination_iso3 (sender p), year,
    migrants; ``gdp_per_capita``: country_iso3, year, gdp_per_capita_usd. Returns
    country_iso3, partner_iso3, year, share (destinations without GDP per capita left out).
    """
    weights = migrants.join(
        gdp_per_capita.rename({"country_iso3": "destination_iso3"}),
        on=["destination_iso3", "year"],
        how="inner",
    ).select(
        nw.col("origin_iso3").alias("country_iso3"),
        nw.col("destination_iso3").alias("partner_iso3"),
        "year",
        (nw.col("migrants") * nw.col("gdp_per_capita_usd")).alias("weight"),
    )
    return partner_shares(weights, ["country_iso3", "year"], value="weight").drop("weight")


def to_output(frame: Frame) -> Frame:
    """Select and cast the shared dependence columns."""
    return frame.select(*(nw.col(name).cast(dtype) for name, dtype in OUTPUT_COLUMNS.items()))


def dependence_union(frames: Sequence[Frame]) -> Frame:
    """Stack ``out_dependence__<dimension>`` frames in the shared schema."""
    if not frames:
        raise ValueError("dependence_union needs at least one frame")
    return nw.concat([to_output(f) for f in frames], how="vertical")


def supplier_concentration(trade: Frame) -> Frame:
    """Per importer, HS6 product and year: imports, supplier HHI, and world export HHI.

    ``trade``: year, exporter_iso3, importer_iso3, product (HS6 text), value_usd (one row per
    flow, as BACI). Returns importer_iso3, product, year, import_usd, import_hhi, n_suppliers,
    export_usd (the importer's own exports of the product), world_export_hhi (concentration
    of world exports of the product across exporters).
    """
    positive = trade.filter(nw.col("value_usd") > 0)
    pair = positive.group_by("importer_iso3", "exporter_iso3", "product", "year").agg(
        nw.col("value_usd").sum()
    )
    shares = partner_shares(pair, ["importer_iso3", "product", "year"])
    imports = hhi(shares, ["importer_iso3", "product", "year"], out="import_hhi").rename(
        {"n_partners": "n_suppliers"}
    )
    totals = pair.group_by("importer_iso3", "product", "year").agg(
        nw.col("value_usd").sum().alias("import_usd")
    )
    exporters = positive.group_by("exporter_iso3", "product", "year").agg(nw.col("value_usd").sum())
    world = hhi(
        partner_shares(exporters, ["product", "year"]), ["product", "year"], out="world_export_hhi"
    ).drop("n_partners")
    own_exports = exporters.rename({"exporter_iso3": "importer_iso3", "value_usd": "export_usd"})
    out = imports.join(totals, on=["importer_iso3", "product", "year"], how="inner")
    out = out.join(world, on=["product", "year"], how="left")
    out = out.join(own_exports, on=["importer_iso3", "product", "year"], how="left")
    return out.with_columns(nw.col("export_usd").fill_null(0.0)).select(
        "importer_iso3",
        "product",
        "year",
        "import_usd",
        "import_hhi",
        "n_suppliers",
        "export_usd",
        "world_export_hhi",
    )


def strategic_dependence(concentration: Frame) -> Frame:
    """EU/CEPII strategic-dependency flag per importer, product and year.

    A product-year meets the criteria when import HHI > 0.4, world export HHI > 0.4 and
    imports exceed the importer's exports of the product; it is ``strategic`` when the
    criteria hold in at least 2 of the 3 years ending that year (t-2, t-1, t) — a year absent
    from the data counts as not met. Adds ``criteria_met`` (bool), ``years_met`` (0..3) and
    ``strategic`` (bool).
    """
    met = concentration.with_columns(
        (
            (nw.col("import_hhi") > IMPORT_HHI_THRESHOLD)
            & (nw.col("world_export_hhi") > EXPORT_HHI_THRESHOLD)
            & (nw.col("import_usd") > nw.col("export_usd"))
        )
        .fill_null(False)
        .alias("criteria_met")
    )
    key = ["importer_iso3", "product"]
    flags = met.select(*key, "year", nw.col("criteria_met").cast(nw.Int32()).alias("__met"))
    window = [
        flags.with_columns((nw.col("year") + lag).cast(nw.Int32()).alias("year"))
        for lag in range(WINDOW_YEARS)
    ]
    held = (
        nw.concat(window, how="vertical")
        .group_by(*key, "year")
        .agg(nw.col("__met").sum().alias("years_met"))
    )
    out = met.join(held, on=[*key, "year"], how="left")
    return out.with_columns(
        nw.col("years_met").cast(nw.Int32()),
        (nw.col("years_met") >= MIN_YEARS_HELD).alias("strategic"),
    )


def strategic_share_on(trade: Frame, flags: Frame, partners: Sequence[str]) -> Frame:
    """Share of a country's import value in strategic products supplied by each partner.

    ``trade`` as in :func:`supplier_concentration`; ``flags`` from
    :func:`strategic_dependence`. Returns importer_iso3, partner_iso3, year,
    strategic_import_usd (imports from the partner of products flagged strategic), import_usd
    (all imports of the importer that year), share = strategic_import_usd / import_usd.
    """
    positive = trade.filter(nw.col("value_usd") > 0)
    totals = positive.group_by("importer_iso3", "year").agg(
        nw.col("value_usd").sum().alias("import_usd")
    )
    strategic = flags.filter(nw.col("strategic")).select("importer_iso3", "product", "year")
    from_partners = positive.filter(nw.col("exporter_iso3").is_in(list(partners))).join(
        strategic, on=["importer_iso3", "product", "year"], how="inner"
    )
    by_partner = (
        from_partners.group_by("importer_iso3", "exporter_iso3", "year")
        .agg(nw.col("value_usd").sum().alias("strategic_import_usd"))
        .rename({"exporter_iso3": "partner_iso3"})
    )
    return by_partner.join(totals, on=["importer_iso3", "year"], how="inner").with_columns(
        (nw.col("strategic_import_usd") / nw.col("import_usd")).alias("share")
    )
