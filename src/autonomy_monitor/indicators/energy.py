"""Energy: shares of pipeline gas exports by destination.

Pure functions over Polars frames (no IO).

* ``gas_exports_bcm(c, p, t)`` — natural gas exported by pipeline from c to p (Energy
  Institute Statistical Review 2024), billion cubic metres;
* ``gas_export_share(c, p, t) = gas_exports_bcm(c, p, t) / total pipeline exports of c`` — the
  total is the workbook's "Total exports" row; what goes to destinations the workbook does not
  name (its "Other ..." residual groups and the countries inside its EU/Europe subtotals) is
  one row with a null partner, measure ``gas_export_share_unnamed``, so shares add up to 1;
* ``gas_export_hhi(c, t) = Σ share²`` with the unnamed remainder counted as one destination
  (the unnamed remainder may hide several destinations, so this can overstate concentration).

Caveat: 2023 only. Reference: Energy Institute, Statistical Review of World Energy 2024.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.indicators import shares

DIMENSION = "energy"
SOURCE = "Energy Institute Statistical Review 2024 (gas trade by pipeline)"
METHOD = "reported_pipeline_matrix"


def pipeline_measures(trade: pl.DataFrame) -> pl.DataFrame:
    frame = trade.filter(pl.col("bcm") > 0).select(
        pl.col("exporter_iso3").alias("country_iso3"),
        pl.col("importer_iso3").alias("partner_iso3"),
        pl.col("year").cast(pl.Int32),
        "bcm",
    )
    frame = shares.partner_shares(frame, ["country_iso3", "year"], "bcm")
    concentration = shares.hhi(frame, ["country_iso3", "year"])
    named = frame.filter(pl.col("partner_iso3").is_not_null())
    unnamed = frame.filter(pl.col("partner_iso3").is_null())
    return pl.concat(
        [
            shares.to_output(
                named,
                dimension=DIMENSION,
                measure="gas_exports_bcm",
                value="bcm",
                method=METHOD,
                source=SOURCE,
            ),
            shares.to_output(
                named,
                dimension=DIMENSION,
                measure="gas_export_share",
                value="share",
                method=METHOD,
                source=SOURCE,
            ),
            shares.to_output(
                unnamed,
                dimension=DIMENSION,
                measure="gas_exports_bcm_unnamed",
                value="bcm",
                method="total_minus_named",
                source=SOURCE,
            ),
            shares.to_output(
                unnamed,
                dimension=DIMENSION,
                measure="gas_export_share_unnamed",
                value="share",
                method="total_minus_named",
                source=SOURCE,
            ),
            shares.to_output(
                concentration,
                dimension=DIMENSION,
                measure="gas_export_hhi",
                value="hhi",
                method=METHOD,
                source=SOURCE,
                partner=None,
            ),
        ]
    ).sort("country_iso3", "year", "measure", "partner_iso3", nulls_last=True)
