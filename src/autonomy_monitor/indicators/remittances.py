"""Remittances received by country c from each sending country p, every year 2000–latest.

Pure functions over Polars frames (no IO).

Definitions (DESIGN.md §6, issue 3)
-----------------------------------
* Total ``R(c, t)``: KNOMAD/World Bank remittance inflows (Dec 2023 release, 2023 = ``2023e``
  estimate); where KNOMAD has no value, WDI ``BX.TRF.PWKR.CD.DT``. Current US$.
* Sender share ``s(c, p, t)`` (unitless, Σ_p s = 1), chosen per country and year:

  1. ``bilateral_matrix_<Y>`` — in a year Y with a bilateral remittance matrix (2017, 2021):
     ``s = m(p→c) / Σ_q m(q→c)``;
  2. ``interpolated_matrix_<Y0>_<Y1>`` — between two matrix years: linear interpolation of the
     two years' shares, ``s = (1 − w)·s(Y0) + w·s(Y1)``, ``w = (t − Y0)/(Y1 − Y0)``;
  3. ``allocated_stock_income_weighted`` — otherwise (before the first matrix, after the last,
     or where the matrix lacks c): the World Bank matrix's own allocation (Ratha & Shaw 2007),
     ``s ∝ M(c→p, t) × y(p, t)``, with ``M`` the UN DESA stock of migrants born in c living
     in p (linearly interpolated between the 5-yearly estimates, held at 2020 after 2020) and
     ``y`` the GDP per capita of p in current US$ (WDI ``NY.GDP.PCAP.CD``, nearest year if
     missing). Destinations without any GDP per capita are left out.
* ``remittances_usd(c, p, t) = s(c, p, t) × R(c, t)``; ``remittance_share = s``;
  ``remittance_dependence = remittances_usd / GDP(c, t)`` (WDI ``NY.GDP.MKTP.CD``).

Artefact rule
-------------
A matrix year of country c is ``artefact_suspected`` when the matrix gives one sender more
than :data:`ARTEFACT_MATRIX_SHARE` (99%) of c's remittances while the stock allocation for the
same year gives that sender less than :data:`ARTEFACT_STOCK_SHARE` (90%) and at least two
destinations. The matrix shares are then not used: the stock allocation replaces them
(method ``allocated_stock_income_weighted``, flag ``artefact_suspected``), also as the end
point of any interpolation. Example: the 2021 matrix assigns 100% of Uzbekistan's remittances
to Russia, whereas Uzbek-born migrants also live in Kazakhstan, Korea, Turkey and the USA.

Reference: Ratha, D. and Shaw, W. (2007), *South-South Migration and Remittances*, World Bank
Working Paper 102 (the allocation behind the World Bank bilateral remittance matrices).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import polars as pl

from autonomy_monitor.indicators import shares as sh

ARTEFACT_MATRIX_SHARE = 0.99
ARTEFACT_STOCK_SHARE = 0.90
FIRST_YEAR = 2000
STOCK_METHOD = "allocated_stock_income_weighted"
GDP = "NY.GDP.MKTP.CD"
GDP_PER_CAPITA = "NY.GDP.PCAP.CD"
WDI_REMITTANCES = "BX.TRF.PWKR.CD.DT"


def remittance_totals(inflows: pl.DataFrame, wdi: pl.DataFrame, first_year: int = FIRST_YEAR) -> pl.DataFrame:
    """country_iso3, year, total_usd, total_source: KNOMAD inflows, else WDI remittances."""
    knomad = inflows.filter(pl.col("year") >= first_year).select(
        "country_iso3", "year", pl.col("remittances_usd").alias("k"),
        pl.when(pl.col("is_estimate")).then(pl.lit("KNOMAD inflows Dec 2023 (estimate)"))
        .otherwise(pl.lit("KNOMAD inflows Dec 2023")).alias("ks"),
    )
    world_bank = indicator(wdi, WDI_REMITTANCES, "w").filter((pl.col("year") >= first_year) & (pl.col("w") > 0))
    both = knomad.join(world_bank, on=["country_iso3", "year"], how="full", coalesce=True)
    return both.select(
        "country_iso3", pl.col("year").cast(pl.Int32),
        pl.coalesce("k", "w").alias("total_usd"),
        pl.when(pl.col("k").is_not_null()).then(pl.col("ks")).otherwise(pl.lit(f"WDI {WDI_REMITTANCES}")).alias("total_source"),
    ).sort("country_iso3", "year")


def indicator(wdi: pl.DataFrame, code: str, name: str) -> pl.DataFrame:
    """One WDI indicator as country_iso3, year, <name>."""
    return wdi.filter(pl.col("indicator_code") == code).select(
        "country_iso3", pl.col("year").cast(pl.Int32), pl.col("value").alias(name)
    )


def interpolate_stock(stock: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Bilateral stock for every year in ``years``: linear between estimates, held at the ends.

    The UN DESA file lists only positive stocks, so a pair missing in an estimate year had 0.
    """
    stock_years = pl.DataFrame({"year": sorted(stock["year"].unique().to_list())}, schema={"year": pl.Int32})
    pairs = stock.select("origin_iso3", "destination_iso3").unique()
    grid = pairs.join(stock_years, how="cross").join(
        stock.select("origin_iso3", "destination_iso3", pl.col("year").cast(pl.Int32), "migrants"),
        on=["origin_iso3", "destination_iso3", "year"], how="left",
    ).with_columns(pl.col("migrants").cast(pl.Float64).fill_null(0.0))
    wanted = pl.DataFrame({"year": sorted(set(years) | set(stock_years["year"]))}, schema={"year": pl.Int32})
    full = pairs.join(wanted, how="cross").join(grid, on=["origin_iso3", "destination_iso3", "year"], how="left")
    pair = ["origin_iso3", "destination_iso3"]
    full = full.sort(*pair, "year").with_columns(
        pl.col("migrants").interpolate().forward_fill().backward_fill().over(pair)
    )
    return full.filter(pl.col("year").is_in(list(years)) & (pl.col("migrants") > 0))


def filled_gdp_per_capita(wdi: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """GDP per capita per country and year, the nearest available year filling gaps."""
    gdppc = indicator(wdi, GDP_PER_CAPITA, "gdp_per_capita_usd").filter(pl.col("gdp_per_capita_usd") > 0)
    all_years = sorted(set(years) | set(gdppc["year"].to_list()))
    grid = gdppc.select("country_iso3").unique().join(
        pl.DataFrame({"year": all_years}, schema={"year": pl.Int32}), how="cross"
    ).join(gdppc, on=["country_iso3", "year"], how="left").sort("country_iso3", "year")
    grid = grid.with_columns(pl.col("gdp_per_capita_usd").forward_fill().backward_fill().over("country_iso3"))
    return grid.filter(pl.col("year").is_in(list(years)))


def stock_allocation(stock: pl.DataFrame, wdi: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """country_iso3 (receiver c), partner_iso3 (sender p), year, share: s ∝ M(c→p) × y(p)."""
    migrants = interpolate_stock(stock, years)
    gdppc = filled_gdp_per_capita(wdi, years)
    weighted = migrants.join(gdppc, left_on=["destination_iso3", "year"], right_on=["country_iso3", "year"], how="inner")
    weighted = weighted.select(
        pl.col("origin_iso3").alias("country_iso3"), pl.col("destination_iso3").alias("partner_iso3"), "year",
        (pl.col("migrants") * pl.col("gdp_per_capita_usd")).alias("weight"),
    )
    total = pl.col("weight").sum().over("country_iso3", "year")
    return weighted.filter(total > 0).with_columns((pl.col("weight") / total).alias("share")).drop("weight")


def matrix_shares(matrix: pl.DataFrame) -> pl.DataFrame:
    """country_iso3 (receiver), partner_iso3 (sender), year, share, matrix (label)."""
    frame = matrix.filter(pl.col("remittances_usd") > 0).select(
        pl.col("receiver_iso3").alias("country_iso3"), pl.col("sender_iso3").alias("partner_iso3"),
        pl.col("year").cast(pl.Int32), "remittances_usd", "matrix",
    )
    total = pl.col("remittances_usd").sum().over("country_iso3", "year")
    return frame.with_columns((pl.col("remittances_usd") / total).alias("share")).drop("remittances_usd")


def detect_artefacts(matrix: pl.DataFrame, allocation: pl.DataFrame) -> pl.DataFrame:
    """Matrix country-years whose single dominant sender the migrant stock contradicts.

    Returns country_iso3, year, partner_iso3 (the dominant sender), matrix_share, stock_share,
    stock_destinations.
    """
    top = matrix.sort("share", descending=True).group_by("country_iso3", "year", maintain_order=True).first()
    top = top.filter(pl.col("share") > ARTEFACT_MATRIX_SHARE).select(
        "country_iso3", "year", "partner_iso3", pl.col("share").alias("matrix_share"))
    stock = allocation.group_by("country_iso3", "year").agg(pl.len().cast(pl.Int32).alias("stock_destinations"))
    joined = top.join(allocation.rename({"share": "stock_share"}), on=["country_iso3", "year", "partner_iso3"], how="left")
    joined = joined.join(stock, on=["country_iso3", "year"], how="inner").with_columns(pl.col("stock_share").fill_null(0.0))
    return joined.filter((pl.col("stock_share") < ARTEFACT_STOCK_SHARE) & (pl.col("stock_destinations") >= 2)).sort("country_iso3", "year")


def anchor_shares(matrix: pl.DataFrame, allocation: pl.DataFrame, artefacts: pl.DataFrame) -> pl.DataFrame:
    """Shares in matrix years: the matrix's, or the stock allocation where an artefact is suspected."""
    bad = artefacts.select("country_iso3", "year")
    clean = matrix.join(bad, on=["country_iso3", "year"], how="anti").select(
        "country_iso3", "partner_iso3", "year", "share",
        pl.format("bilateral_matrix_{}", pl.col("year")).alias("method"), pl.lit(None, dtype=pl.String).alias("flag"),
        pl.col("matrix").alias("inputs"),
    )
    replaced = allocation.join(bad, on=["country_iso3", "year"], how="semi").select(
        "country_iso3", "partner_iso3", "year", "share", pl.lit(STOCK_METHOD).alias("method"),
        pl.lit("artefact_suspected").alias("flag"), pl.lit("").alias("inputs"),
    )
    return pl.concat([clean, replaced])


def interpolated_shares(anchors: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Linear interpolation of anchor shares for the years strictly between two anchor years."""
    anchor_years = sorted(anchors["year"].unique().to_list())
    parts = []
    for y0, y1 in itertools.pairwise(anchor_years):
        inside = [y for y in years if y0 < y < y1]
        if not inside:
            continue
        a = anchors.filter(pl.col("year") == y0).select("country_iso3", "partner_iso3", pl.col("share").alias("s0"))
        b = anchors.filter(pl.col("year") == y1).select("country_iso3", "partner_iso3", pl.col("share").alias("s1"))
        both = a.join(b.select("country_iso3").unique(), on="country_iso3", how="semi")
        pairs = both.join(b, on=["country_iso3", "partner_iso3"], how="full", coalesce=True)
        pairs = pairs.join(a.select("country_iso3").unique(), on="country_iso3", how="semi").fill_null(0.0)
        for year in inside:
            w = (year - y0) / (y1 - y0)
            parts.append(pairs.select(
                "country_iso3", "partner_iso3", pl.lit(year, dtype=pl.Int32).alias("year"),
                ((1 - w) * pl.col("s0") + w * pl.col("s1")).alias("share"),
                pl.lit(f"interpolated_matrix_{y0}_{y1}").alias("method"), pl.lit(None, dtype=pl.String).alias("flag"),
                pl.lit("").alias("inputs"),
            ).filter(pl.col("share") > 0))
    return pl.concat(parts) if parts else anchors.clear()


def sender_shares(matrix: pl.DataFrame, stock: pl.DataFrame, wdi: pl.DataFrame, years: Sequence[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Chosen shares for every receiver, sender and year, and the artefacts found.

    Columns: country_iso3, partner_iso3, year, share, method, flag, inputs.
    """
    allocation = stock_allocation(stock, wdi, years)
    shares = matrix_shares(matrix)
    artefacts = detect_artefacts(shares, allocation)
    anchors = anchor_shares(shares, allocation, artefacts)
    between = interpolated_shares(anchors, years)
    covered = pl.concat([anchors.select("country_iso3", "year"), between.select("country_iso3", "year")]).unique()
    fallback = allocation.join(covered, on=["country_iso3", "year"], how="anti").select(
        "country_iso3", "partner_iso3", "year", "share", pl.lit(STOCK_METHOD).alias("method"),
        pl.lit(None, dtype=pl.String).alias("flag"), pl.lit("").alias("inputs"),
    )
    chosen = pl.concat([anchors, between, fallback]).filter(pl.col("year").is_in(list(years)))
    return chosen.sort("country_iso3", "year", "partner_iso3"), artefacts


def stock_label(year: int, stock_years: Sequence[int]) -> str:
    """Which UN DESA estimates a year's stock comes from (e.g. '2015–2020 interpolated')."""
    if year in stock_years:
        return f"UN DESA IMS 2020 stock {year}"
    before = [y for y in stock_years if y < year]
    after = [y for y in stock_years if y > year]
    if before and after:
        return f"UN DESA IMS 2020 stock {before[-1]}–{after[0]} interpolated"
    return f"UN DESA IMS 2020 stock {(before or after)[-1 if before else 0]} held"


def remittances_by_sender(matrix: pl.DataFrame, inflows: pl.DataFrame, stock: pl.DataFrame, wdi: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Estimated remittances from p to c with shares, dependence, method and inputs.

    Returns (estimates, artefacts). ``estimates`` has country_iso3, partner_iso3, year, share,
    remittances_usd, remittance_dependence, gdp_usd, total_usd, total_source, method, flag,
    inputs (text naming the total, the share and the GDP behind the value).
    """
    totals = remittance_totals(inflows, wdi)
    years = sorted(totals["year"].unique().to_list())
    if not years:
        return pl.DataFrame(), pl.DataFrame()
    shares, artefacts = sender_shares(matrix, stock, wdi, years)
    gdp = indicator(wdi, GDP, "gdp_usd")
    stock_years = sorted(stock["year"].unique().to_list())
    labels = pl.DataFrame({"year": years, "stock_label": [stock_label(y, stock_years) for y in years]},
                          schema={"year": pl.Int32, "stock_label": pl.String})
    frame = shares.join(totals, on=["country_iso3", "year"], how="inner").join(gdp, on=["country_iso3", "year"], how="left")
    frame = frame.join(labels, on="year", how="left").with_columns(
        (pl.col("share") * pl.col("total_usd")).alias("remittances_usd"),
    ).with_columns(
        pl.when(pl.col("gdp_usd") > 0).then(pl.col("remittances_usd") / pl.col("gdp_usd")).alias("remittance_dependence"),
        pl.concat_str(
            pl.lit("total: "), pl.col("total_source"), pl.lit("; shares: "),
            pl.when(pl.col("method").str.starts_with("bilateral_matrix")).then(pl.col("inputs"))
            .when(pl.col("method").str.starts_with("interpolated")).then(pl.lit("WB/KNOMAD bilateral matrices"))
            .otherwise(pl.col("stock_label") + pl.lit(" x WDI GDP per capita of destination")),
            pl.lit("; GDP: WDI NY.GDP.MKTP.CD"),
        ).alias("inputs"),
    )
    return frame.drop("stock_label").sort("country_iso3", "year", "partner_iso3"), artefacts


def remittance_measures(estimates: pl.DataFrame) -> pl.DataFrame:
    """Estimates from :func:`remittances_by_sender` -> rows of ``out_dependence__remittances``.

    Measures: remittances_usd (current US$), remittance_share (0..1), remittance_dependence
    (ratio to GDP), and remittance_sender_hhi (Σ share², partner null). ``source`` holds the
    inputs behind each value (total, shares, GDP).
    """
    if estimates.is_empty():
        return sh.empty_output()
    common = {"dimension": "remittances", "method": pl.col("method"), "source": pl.col("inputs"), "flag": pl.col("flag")}
    concentration = sh.hhi(estimates, ["country_iso3", "year"]).join(
        estimates.group_by("country_iso3", "year").agg(pl.col("method").first(), pl.col("flag").first(), pl.col("inputs").first()),
        on=["country_iso3", "year"], how="left")
    return pl.concat([
        sh.to_output(estimates, measure="remittances_usd", value="remittances_usd", **common),
        sh.to_output(estimates, measure="remittance_share", value="share", **common),
        sh.to_output(estimates.filter(pl.col("remittance_dependence").is_not_null()), measure="remittance_dependence",
                     value="remittance_dependence", **common),
        sh.to_output(concentration, measure="remittance_sender_hhi", value="hhi", partner=None, **common),
    ]).sort("country_iso3", "year", "measure", "partner_iso3", nulls_last=True)
