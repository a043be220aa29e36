"""Chinese official finance: commitments and commitments relative to GDP.

Pure functions over Polars frames (no IO).

* ``chinese_commitments_usd(c, t)`` — AidData GCDF 3.0 adjusted commitments (ODA-like +
  OOF-like + Vague official finance) from China to c, converted from constant 2021 US$ to
  current US$ with the US GDP deflator (WDI ``NY.GDP.DEFL.KD.ZG`` for USA, chained):
  ``current(t) = constant2021 × P(t) / P(2021)``; by flow class as
  ``chinese_oda_like_usd``, ``chinese_oof_like_usd``, ``chinese_vague_usd``;
* ``finance_dependence(c, t) = chinese_commitments_usd(c, t) / GDP(c, t)`` (WDI GDP,
  current US$). A ratio, not bounded by 1.

Years 2000–2021 with no record for a recipient that appears in GCDF 3.0 are zero (AidData
lists only recipient-years with commitments). Commitments are not disbursements and are lumpy.
Reference: Custer et al. (2023), *Tracking Chinese Development Finance: An Application of
AidData's TUFF 3.0 Methodology*, AidData at William & Mary.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.indicators import shares

DIMENSION = "finance"
SOURCE = "AidData GCDF 3.0; WDI GDP, US GDP deflator"
CLASSES = {
    "ODA-like": "chinese_oda_like_usd",
    "OOF-like": "chinese_oof_like_usd",
    "Vague (Official Finance)": "chinese_vague_usd",
}
DEFLATOR = "NY.GDP.DEFL.KD.ZG"
BASE_YEAR = 2021


def us_price_index(wdi: pl.DataFrame, base_year: int = BASE_YEAR) -> pl.DataFrame:
    """year, price_ratio = P(year) / P(base_year), chained from US deflator growth rates."""
    growth = (
        wdi.filter((pl.col("country_iso3") == "USA") & (pl.col("indicator_code") == DEFLATOR))
        .select(pl.col("year").cast(pl.Int32), (1 + pl.col("value") / 100).alias("g"))
        .sort("year")
    )
    if growth.is_empty():
        return pl.DataFrame(schema={"year": pl.Int32, "price_ratio": pl.Float64})
    index = growth.with_columns(pl.col("g").cum_prod().alias("p"))
    base = index.filter(pl.col("year") == base_year)["p"]
    if base.is_empty():
        return pl.DataFrame(schema={"year": pl.Int32, "price_ratio": pl.Float64})
    return index.select("year", (pl.col("p") / base[0]).alias("price_ratio"))


def chinese_finance_measures(finance: pl.DataFrame, wdi: pl.DataFrame) -> pl.DataFrame:
    """core_aiddata__chinese_finance (GCDF 3.0 rows) + WDI -> output rows for finance."""
    gcdf3 = finance.filter(pl.col("dataset") == "GCDF 3.0")
    if gcdf3.is_empty():
        return shares.empty_output()
    years = pl.DataFrame(
        {"year": list(range(gcdf3["year"].min(), gcdf3["year"].max() + 1))},
        schema={"year": pl.Int32},
    )
    wide = gcdf3.pivot(
        on="flow_class",
        index=["recipient_iso3", "year"],
        values="commitments_usd",
        aggregate_function="sum",
    )
    grid = (
        wide.select("recipient_iso3")
        .unique()
        .join(years, how="cross")
        .join(wide, on=["recipient_iso3", "year"], how="left")
    )
    classes = [c for c in CLASSES if c in grid.columns]
    grid = grid.with_columns(pl.col(classes).fill_null(0.0)).with_columns(
        pl.sum_horizontal(classes).alias("total")
    )
    prices = us_price_index(wdi)
    gdp = wdi.filter(pl.col("indicator_code") == "NY.GDP.MKTP.CD").select(
        "country_iso3", pl.col("year").cast(pl.Int32), pl.col("value").alias("gdp")
    )
    grid = grid.join(prices, on="year", how="left").join(
        gdp, left_on=["recipient_iso3", "year"], right_on=["country_iso3", "year"], how="left"
    )
    deflated = pl.col("price_ratio").is_not_null()
    grid = grid.with_columns(
        [(pl.col(c) * pl.col("price_ratio").fill_null(1.0)).alias(CLASSES[c]) for c in classes]
        + [
            (pl.col("total") * pl.col("price_ratio").fill_null(1.0)).alias(
                "chinese_commitments_usd"
            ),
            pl.when(deflated)
            .then(pl.lit("gcdf3_adjusted_commitments_deflated"))
            .otherwise(pl.lit("gcdf3_adjusted_commitments_constant_2021"))
            .alias("method"),
            pl.when(deflated).then(None).otherwise(pl.lit("constant_2021_usd")).alias("flag"),
            pl.lit("CHN").alias("partner_iso3"),
        ]
    ).with_columns(
        pl.when(pl.col("gdp") > 0)
        .then(pl.col("chinese_commitments_usd") / pl.col("gdp"))
        .alias("finance_dependence")
    )
    amounts = [CLASSES[c] for c in classes] + ["chinese_commitments_usd"]
    parts = [
        shares.to_output(
            grid,
            dimension=DIMENSION,
            measure=m,
            value=m,
            method=pl.col("method"),
            source=SOURCE,
            flag=pl.col("flag"),
            country="recipient_iso3",
        )
        for m in amounts
    ]
    parts.append(
        shares.to_output(
            grid,
            dimension=DIMENSION,
            measure="finance_dependence",
            value="finance_dependence",
            method=pl.col("method"),
            source=SOURCE,
            flag=pl.col("flag"),
            country="recipient_iso3",
        )
    )
    return (
        pl.concat(parts)
        .filter(pl.col("value").is_not_null())
        .sort("country_iso3", "year", "measure")
    )
