"""Labour migration: emigrant stock by destination, destination shares and destination HHI.

Pure functions over Polars frames (no IO).

* ``emigrants(c, p, t)`` — people born in c living in p (UN DESA International Migrant Stock
  2020, years 1990–2020 by five; the World Bank 2017 bilateral matrix for 2017), persons;
* ``destination_share(c, p, t) = emigrants(c, p, t) / Σ_q emigrants(c, q, t)`` — 0..1;
* ``destination_hhi(c, t) = Σ_p destination_share²`` — in [1/N, 1]: how concentrated (1) or
  diversified (1/N) a country's emigration is.

Caveats: UN DESA has no Japan-bound stocks of Central Asians (Japan reports origins for
only 42 countries); the World Bank 2017 matrix does. Stocks are by country of birth, so
Soviet-era births inflate e.g. KAZ -> RUS.
Reference: UN DESA (2020), International Migrant Stock 2020; World Bank bilateral migration
matrix 2017.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.indicators import shares

DIMENSION = "migration"
SOURCES = {
    "un_desa_stock": "UN DESA International Migrant Stock 2020",
    "wb_bilateral_matrix_2017": "World Bank bilateral migration matrix 2017",
}


def destination_measures(stock: pl.DataFrame) -> pl.DataFrame:
    """stock: origin_iso3, destination_iso3, year, migrants, method -> output rows."""
    frame = stock.filter(
        (pl.col("migrants") > 0) & (pl.col("origin_iso3") != pl.col("destination_iso3"))
    ).select(
        pl.col("origin_iso3").alias("country_iso3"),
        pl.col("destination_iso3").alias("partner_iso3"),
        pl.col("year").cast(pl.Int32),
        pl.col("migrants").cast(pl.Float64),
        "method",
    )
    frame = shares.partner_shares(frame, ["country_iso3", "year", "method"], "migrants")
    source = pl.col("method").replace_strict(SOURCES, default=pl.col("method"))
    concentration = shares.hhi(frame, ["country_iso3", "year", "method"]).with_columns(
        source.alias("src")
    )
    return pl.concat(
        [
            shares.to_output(
                frame,
                dimension=DIMENSION,
                measure="emigrants",
                value="migrants",
                method=pl.col("method"),
                source=source,
            ),
            shares.to_output(
                frame,
                dimension=DIMENSION,
                measure="destination_share",
                value="share",
                method=pl.col("method"),
                source=source,
            ),
            shares.to_output(
                concentration,
                dimension=DIMENSION,
                measure="destination_hhi",
                value="hhi",
                method=pl.col("method"),
                source=pl.col("src"),
                partner=None,
            ),
        ]
    ).sort("country_iso3", "year", "measure", "partner_iso3", nulls_last=True)


def japan_residents_table(residents: pl.DataFrame) -> pl.DataFrame:
    """Residents in Japan by nationality and status, with each status's share of the nationality."""
    total = pl.col("residents").sum().over("nationality_iso3")
    return residents.with_columns((pl.col("residents") / total).alias("resident_share")).sort(
        "nationality_iso3", "residents", descending=[False, True]
    )
