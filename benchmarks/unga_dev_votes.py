"""Development loader of UN General Assembly votes straight from ../shared/data (not packaged).

Used by the ideal-point benchmark and validation scripts. When the package exposes
``autonomy_monitor.api.roll_call_votes()`` (the warehouse table core_unga__votes), that is
used instead; otherwise the votes are read from the staged files:

* 1946 - 31 Oct 2019: Voeten's wide file (codes 1 yes, 2 abstain, 3 no, 8 absent -> X,
  9 not a member -> no row);
* 1 Nov 2019 - 2026: the UN DGACM extract (Y/N/A/X, includes ES-11).

``year`` is the calendar year of the vote, or with ``period="session"`` the UN session year
(the year the session opened: votes from September onward belong to that year's session,
January-August votes to the previous year's), which is how the Bailey-Strezhnev-Voeten
estimates count years.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

SWITCH_DATE = "2019-11-01"
WIDE_CODES = {1: "Y", 2: "A", 3: "N", 8: "X"}


def shared_data_dir() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return Path(os.environ.get("AUTONOMY_SHARED_DATA", default))


def load_votes(period: str = "calendar", data_dir: Path | None = None) -> pl.DataFrame:
    """roll_call_id, date, year, country_iso3, vote for every recorded vote 1946-2026."""
    folder = (data_dir or shared_data_dir()) / "unga_votes"
    votes = pl.concat([_voeten_wide(folder), _unxml(folder)])
    return with_period(votes, period).select("roll_call_id", "year", "country_iso3", "vote")


def with_period(votes: pl.DataFrame, period: str) -> pl.DataFrame:
    year = pl.col("date").dt.year()
    if period == "session":
        year = pl.when(pl.col("date").dt.month() >= 9).then(year).otherwise(year - 1)
        year = pl.max_horizontal(year, pl.lit(1946))  # session 1 opened in January 1946
    return votes.with_columns(year.cast(pl.Int32).alias("year"))


def _voeten_wide(folder: Path) -> pl.DataFrame:
    wide = pl.read_parquet(folder / "voeten_unga_votes_wide_1946_2024.parquet")
    wide = wide.with_columns(pl.col("date").str.to_date()).filter(
        pl.col("date") < pl.lit(SWITCH_DATE).str.to_date()
    )
    iso_cols = [c for c in wide.columns if len(c) == 3 and c.isupper()]
    long = wide.unpivot(
        iso_cols, index=["rcid", "date"], variable_name="country_iso3", value_name="code"
    )
    return long.filter(pl.col("code").is_in(list(WIDE_CODES))).select(
        ("voeten-" + pl.col("rcid").cast(pl.String)).alias("roll_call_id"),
        "date",
        "country_iso3",
        pl.col("code").replace_strict(WIDE_CODES, return_dtype=pl.String).alias("vote"),
    )


def _unxml(folder: Path) -> pl.DataFrame:
    raw = pl.read_parquet(folder / "unga_votes_unxml_2019_2026.parquet")
    return raw.filter(pl.col("date") >= pl.lit(SWITCH_DATE).str.to_datetime()).select(
        pl.col("resolution").alias("roll_call_id"),
        pl.col("date").dt.date(),
        pl.col("ms_code").alias("country_iso3"),
        pl.col("ms_vote").alias("vote"),
    )


def load_bsv(data_dir: Path | None = None) -> pl.DataFrame:
    """BSV country-year estimates with an ISO3 code (rows without one are dropped)."""
    path = (data_dir or shared_data_dir()) / "unga_votes" / "bsv_idealpoints_1946_2015.csv"
    bsv = pl.read_csv(path, infer_schema_length=20000)
    return bsv.filter(pl.col("iso3c").is_not_null()).select(
        pl.col("iso3c").alias("country_iso3"),
        pl.col("year").cast(pl.Int32),
        "idealpointfp",
        "idealpointall",
    )
