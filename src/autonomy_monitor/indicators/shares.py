"""Partner shares and the Herfindahl–Hirschman concentration index on Polars frames, and the
shared schema of the ``out_dependence__<dimension>`` tables.

The indicators themselves are defined once, with narwhals, in
:mod:`autonomy_monitor.indicators.relational`; the two functions here run them on a Polars
frame for the dimension modules (aid, migration, energy, remittances):

* ``share(c, p, t) = v(c, p, t) / Σ_p v(c, p, t)`` — unitless, in 0..1, summing to 1 over
  partners for each group (country, year, ...). Negative values (e.g. net ODA repayments)
  must be clipped by the caller first; every row is kept, a group whose total is 0 gets
  null shares.
* ``hhi(c, t) = Σ_p share(c, p, t)²`` — in [1/N, 1] for N partners with positive values:
  1 when one partner takes everything, 1/N when N partners take equal parts.

Reference: Hirschman (1945), *National Power and the Structure of Foreign Trade*;
Herfindahl (1950).
"""

from __future__ import annotations

from collections.abc import Sequence

import narwhals as nw
import polars as pl

from autonomy_monitor import catalog
from autonomy_monitor.catalog import contracts
from autonomy_monitor.indicators import relational


def partner_shares(
    frame: pl.DataFrame, by: Sequence[str], value: str, out: str = "share"
) -> pl.DataFrame:
    """Add column ``out`` = value / sum(value) within each group ``by`` (every row kept)."""
    shares = relational.partner_shares(nw.from_native(frame), by, value, out, keep_undefined=True)
    return nw.to_native(shares)


def hhi(
    frame: pl.DataFrame, by: Sequence[str], share: str = "share", out: str = "hhi"
) -> pl.DataFrame:
    """One row per group ``by``: ``out`` = Σ share², and ``partners`` = N with a positive share."""
    index = nw.to_native(relational.hhi(nw.from_native(frame), by, share, out))
    return (
        index.rename({"n_partners": "partners"})
        .with_columns(pl.col("partners").cast(pl.Int32))
        .sort(list(by))
    )


OUTPUT_SCHEMA = contracts.polars_schema("out_dependence__yearly")  # declared in catalog/tables/


def to_output(
    frame: pl.DataFrame,
    *,
    dimension: str,
    measure: str,
    value: str,
    method: str | pl.Expr,
    source: str | pl.Expr,
    flag: str | pl.Expr | None = None,
    country: str = "country_iso3",
    partner: str | None = "partner_iso3",
) -> pl.DataFrame:
    """Rows of an ``out_dependence__<dimension>`` table in the shared schema.

    The unit is the catalog's (``catalog/indicators/<measure>.yaml``), never the caller's.
    """

    def lit(x):
        return pl.lit(x, dtype=pl.String) if isinstance(x, str) or x is None else x

    rows = frame.select(
        pl.col(country).alias("country_iso3"),
        (pl.col(partner) if partner else pl.lit(None, dtype=pl.String)).alias("partner_iso3"),
        pl.col("year").cast(pl.Int32),
        pl.lit(dimension).alias("dimension"),
        pl.lit(measure).alias("measure"),
        pl.col(value).cast(pl.Float64).alias("value"),
        pl.lit(None, dtype=pl.String).alias("unit"),
        lit(method).alias("method"),
        lit(source).alias("source"),
        lit(flag).alias("flag"),
    )
    return with_catalog_units(rows).cast(OUTPUT_SCHEMA)


def with_catalog_units(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its ``unit`` column set from the indicator catalog by measure (and method,
    where an entry declares ``unit_by_method``). A measure without an entry raises BadInput."""
    entries = catalog.indicator_units()
    measures = frame.get_column("measure").unique().to_list()
    for measure in measures:
        catalog.indicator_unit(measure)  # BadInput naming the missing entry
    default = {name: entry.unit for name, entry in entries.items()}
    # (only the measures present: without a per-method unit among them, no per-row key is built)
    by_method = {
        f"{name}|{m}": u
        for name in measures
        if name in entries
        for m, u in entries[name].unit_by_method.items()
    }
    plain = pl.col("measure").replace_strict(default, default=None, return_dtype=pl.String)
    keyed = pl.concat_str([pl.col("measure"), pl.lit("|"), pl.col("method").fill_null("")])
    unit = (
        keyed.replace_strict(by_method, default=plain, return_dtype=pl.String)
        if by_method
        else plain
    )
    return frame.with_columns(unit.alias("unit"))


def empty_output() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUT_SCHEMA)
