"""Derived trade tables: both views per cell, trade dependence indicators, mirror gaps.

Inputs: ``core_imf__yearly_bilateral_trade`` (DOTS, reporters' own figures to 2020) and
``core_trade__recent_bilateral`` (national statistics, Eurostat, Russian customs and press
figures); optional ``core_wdi__yearly_indicators`` (GDP, ``NY.GDP.MKTP.CD``) for exposure and
``core_trade__recent_reported_totals`` (the national publishers' total exports and imports).

Denominators: a share is of the country's trade, not of the partners listed. In DOTS years
the partner breakdown is complete and the sum over partners is the total. After DOTS the
national statistics leave trade out of their partner rows (Uzbekistan: non-monetary gold and
other unallocated trade, 10 of 25 bn of exports in 2023; Kyrgyzstan 2021: 1.1 bn of gold), so
the reporter and chosen shares of KAZ, KGZ and UZB divide by the total the publisher reports
(or the partner sum where that is larger), flagged ``share_of_reported_total``; the total
used is stored as ``<flow>_denominator_usd`` (country-level row, source = publisher and how
its total is stated). Partner shares therefore sum to less than 1 there; the rest is trade
the source does not allocate. HHI is Σ share² over the partners, the unallocated rest not
counted as a partner.

Which figures are used for which years: DOTS for every year it covers; the recent sources
only for later years (2021–2023), one figure per cell, official sources before
press-reported ones (press figures are used only where nothing else exists and are flagged).

Outputs (rows in a deterministic order: each part in key order, parts in a fixed order;
a global sort of the 12 million dependence rows would cost more than the rest of the step):

* ``core_trade__yearly_bilateral_both_views`` (reporter_iso3, partner_iso3, year, flow,
  reporter_value_usd, mirror_value_usd, chosen_value_usd, chosen_view, source, flag);
* ``out_dependence__trade`` in the common dependence schema. Shares and HHI are computed
  only where the partner breakdown is complete: the mirror and chosen views in DOTS years
  (every reporter's figures are available there, so a non-reporter such as Turkmenistan in
  1992–1994 gets its shares from the mirror); the reporter view where the country's own
  figures come from DOTS or its national statistics; after DOTS, the chosen view only for
  countries with national statistics by partner (KAZ, KGZ, UZB).
  Amounts (``export_usd``, ``import_usd``, ``total_usd``, chosen view) exist for every cell.
* ``out_trade__mirror_gaps``: cells where the mirror differs from the reporter's figure by a
  factor of 1.5 or more (and the larger is at least US$1 million).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import polars as pl

from autonomy_monitor.compute import Engine
from autonomy_monitor.compute.polars_engine import PolarsEngine
from autonomy_monitor.indicators import relational, trade
from autonomy_monitor.indicators.shares import OUTPUT_SCHEMA, with_catalog_units

IMF_TABLE = "core_imf__yearly_bilateral_trade"
RECENT_TABLE = "core_trade__recent_bilateral"
WDI_TABLE = "core_wdi__yearly_indicators"
TOTALS_TABLE = "core_trade__recent_reported_totals"
NEEDS = (IMF_TABLE, RECENT_TABLE)
OPTIONAL = (WDI_TABLE, TOTALS_TABLE)
BOTH_TABLE = "core_trade__yearly_bilateral_both_views"
OUT_TABLE = "out_dependence__trade"
GAPS_TABLE = "out_trade__mirror_gaps"

IMF_LABEL = "IMF DOTS"
GDP_CODE = "NY.GDP.MKTP.CD"
COMPLETE_REPORTER_SOURCES = frozenset({IMF_LABEL, "KZ BNS", "KG NSC", "UZ Stat"})
GAP_MIN_RATIO = 1.5
GAP_MIN_USD = 1e6

OUT_SCHEMA = OUTPUT_SCHEMA
NO_UNIT = pl.lit(None, dtype=pl.String).alias(
    "unit"
)  # set from the catalog by ``with_catalog_units``
FLAG = trade.flag_text(*trade.MARKS).alias("flag")
BOTH_COLUMNS = [
    *trade.KEY,
    "reporter_value_usd",
    "mirror_value_usd",
    "chosen_value_usd",
    "chosen_view",
    "source",
    "flag",
]


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Both views, dependence indicators and mirror gaps from the trade core tables."""
    return compute_on(tables, None)


def compute_with(
    engine: Engine | None,
) -> Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame]]:
    """``compute`` whose partner shares, HHI and exposure run on ``engine`` (DuckDB, Spark)
    through the narwhals functions of ``indicators/relational.py``; ``None`` runs the same
    functions on Polars (the default build). Same tables either way
    (``tests/test_conformance.py``); rows of the engine parts come in the engine's order."""
    return lambda tables: compute_on(tables, engine)


SHARE_GROUP = ["country_iso3", "year", "flow", "method"]
DENOMINATOR = "denominator_usd"
DENOMINATOR_SOURCE = "denominator_source"
REPORTED_TOTAL = "share_of_reported_total"
SHARE_MARKS = (*trade.MARKS, REPORTED_TOTAL)
SHARE_FLAG = trade.flag_text(*SHARE_MARKS).alias("flag")


def compute_on(
    tables: Mapping[str, pl.DataFrame], engine: Engine | None
) -> dict[str, pl.DataFrame]:
    """Views in Polars; partner shares, HHI and exposure through ``relational`` on ``engine``
    (Polars when None)."""
    outputs = compute_parts(tables, engine)
    return {
        name: part if isinstance(part, pl.DataFrame) else pl.concat(list(part))
        for name, part in outputs.items()
    }


def compute_parts(
    tables: Mapping[str, pl.DataFrame], engine: Engine | None = None
) -> dict[str, pl.DataFrame | Iterator[pl.DataFrame]]:
    """The step's tables, ``out_dependence__trade`` as an iterator of its parts (shares, HHI,
    denominators, amounts, exposure, asymmetry; in the output schema with catalog units) that
    computes each part when asked and drops what no later part needs: the build writes each
    part and releases it before the next is made, so the 14 million rows are never in memory
    at once. The both-views table and the gaps come first (the views are then released)."""
    engine = engine or PolarsEngine()
    reported = reported_rows(tables)
    dots_years = reported.filter(pl.col("source") == IMF_LABEL).select("year").unique()
    estimated = trade.imf_estimated_reporters(reported.filter(pl.col("source") == IMF_LABEL))
    views = trade.both_views(reported, estimated)
    del estimated
    long = trade.with_total_flow(trade.long_views(views))
    gaps = trade.mirror_gaps(views, min_ratio=GAP_MIN_RATIO, min_usd=GAP_MIN_USD)
    both = views.select(BOTH_COLUMNS)
    del views
    parts = dependence_parts(tables, engine, long, reported, dots_years)
    return {BOTH_TABLE: both, GAPS_TABLE: gaps, OUT_TABLE: parts}


def dependence_parts(
    tables: Mapping[str, pl.DataFrame],
    engine: Engine,
    long: pl.DataFrame,
    reported: pl.DataFrame,
    dots_years: pl.DataFrame,
) -> Iterator[pl.DataFrame]:
    """The parts of ``out_dependence__trade``, one at a time (see :func:`compute_parts`)."""
    totals = denominators(tables, dots_years)
    own = complete_reporters(reported)
    del reported
    # one method at a time (a third of the rows each; groups never span methods), in the order of
    # complete_groups, so the rows and their order are those of the whole-frame computation
    concentrations: list[pl.DataFrame] = []
    denominator_parts: list[pl.DataFrame] = []
    for method in trade.METHODS:
        if method == "chosen":
            long = long.filter(pl.col("method") == "chosen")  # all that amounts and exposure read
        complete = with_denominators(complete_rows(long, own, dots_years, method), totals)
        lazy_shares = engine.persist(
            relational.partner_shares(
                engine.lazy(complete),
                SHARE_GROUP,
                "value_usd",
                denominator=DENOMINATOR,
                used=DENOMINATOR,
            )
        )
        del complete
        index = relational.labelled_hhi(lazy_shares, SHARE_GROUP, SHARE_MARKS)
        concentrations.append(engine.collect(index))
        del index
        shares = engine.collect(lazy_shares)
        del lazy_shares
        denominator_parts.append(denominator_rows(shares))
        part = output_part(share_rows(shares))
        del shares
        yield part
        del part
    yield output_part(labelled_hhi_rows(pl.concat(concentrations).sort(SHARE_GROUP)))
    del concentrations
    yield output_part(pl.concat(denominator_parts))
    del denominator_parts
    yield output_part(amount_rows(long))
    gdp = gdp_frame(tables)
    if gdp is None:
        return
    exposures = engine.collect(
        relational.exposure(engine.lazy(long), engine.lazy(gdp)).select(
            "country_iso3",
            "partner_iso3",
            "year",
            "exposure_share",
            "source",
            *trade.MARKS,
        )
    )
    del long
    yield output_part(exposure_rows(exposures))
    yield output_part(asymmetry_rows(trade.asymmetry(exposures)))


def output_part(rows: pl.DataFrame) -> pl.DataFrame:
    """A part in the shared dependence schema with its units from the catalog."""
    return with_catalog_units(rows.select(list(OUT_SCHEMA)).cast(OUT_SCHEMA))  # type: ignore[arg-type]


def denominators(
    tables: Mapping[str, pl.DataFrame], dots_years: pl.DataFrame
) -> pl.DataFrame | None:
    """Totals the national publishers report (``core_trade__recent_reported_totals``) for the
    years after DOTS, per country, year, flow (export, import, and total = export + import
    where both exist) and method (reporter and chosen: the views that use the country's own
    figures); None when the table was not built."""
    totals = tables.get(TOTALS_TABLE)
    if totals is None or totals.is_empty():
        return None
    last = dots_years["year"].max() if dots_years.height else None
    later = totals if last is None else totals.filter(pl.col("year") > last)
    stated = later.select(
        pl.col("reporter_iso3").alias("country_iso3"),
        pl.col("year").cast(pl.Int32),
        trade.normalise_flows(later)["flow"],
        pl.col("value_usd").alias(DENOMINATOR),
        pl.concat_str(pl.col("source"), pl.lit(" total ("), pl.col("basis"), pl.lit(")")).alias(
            DENOMINATOR_SOURCE
        ),
    )
    both = (
        stated.group_by("country_iso3", "year", maintain_order=True)
        .agg(
            pl.col(DENOMINATOR).sum(),
            pl.col(DENOMINATOR_SOURCE).first(),
            pl.len().alias("__flows"),
        )
        .filter(pl.col("__flows") == 2)
        .select(
            "country_iso3", "year", pl.lit("total").alias("flow"), DENOMINATOR, DENOMINATOR_SOURCE
        )
    )
    methods = pl.DataFrame({"method": ["reporter", "chosen"]})
    return pl.concat([stated, both]).join(methods, how="cross")


def with_denominators(complete: pl.DataFrame, totals: pl.DataFrame | None) -> pl.DataFrame:
    """``complete`` with the reported total of its group (null where the partner sum is the
    total) and the mark ``share_of_reported_total``."""
    if totals is None:
        complete = complete.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(DENOMINATOR),
            pl.lit(None, dtype=pl.String).alias(DENOMINATOR_SOURCE),
        )
    else:
        complete = complete.with_columns(
            looked_up(complete, totals, [DENOMINATOR, DENOMINATOR_SOURCE])
        )
    return complete.with_columns(pl.col(DENOMINATOR).is_not_null().alias(REPORTED_TOTAL))


def looked_up(frame: pl.DataFrame, totals: pl.DataFrame, columns: list[str]) -> list[pl.Series]:
    """Columns of ``totals`` (one row per SHARE_GROUP) for each row of ``frame``, null where
    ``totals`` has no row: the left join ``frame.join(totals, on=SHARE_GROUP, how="left")``
    without hashing the millions of rows of ``frame`` against a table of a hundred (the few
    matching rows are found by an inner join and scattered into place)."""
    if totals.select(SHARE_GROUP).is_duplicated().any():
        raise ValueError("totals have more than one row for a country, year, flow and method")
    near = pl.col("country_iso3").is_in(totals["country_iso3"].unique().implode()) & pl.col(
        "year"
    ).is_in(totals["year"].unique().implode())
    matched = (
        frame.select(SHARE_GROUP)
        .with_row_index("__row")
        .filter(near)
        .join(totals.select(*SHARE_GROUP, *columns), on=SHARE_GROUP, how="inner")
    )
    rows = matched["__row"]
    return [
        pl.repeat(None, frame.height, dtype=totals.schema[c], eager=True)
        .alias(c)
        .scatter(rows, matched[c])
        for c in columns
    ]


def labelled_hhi_rows(index: pl.DataFrame) -> pl.DataFrame:
    """HHI rows from an index carrying its source and marks."""
    return index.select(
        "country_iso3",
        pl.lit(None, dtype=pl.String).alias("partner_iso3"),
        "year",
        pl.lit("trade").alias("dimension"),
        suffixed("flow", "_hhi").alias("measure"),
        pl.col("hhi").alias("value"),
        NO_UNIT,
        "method",
        "source",
        SHARE_FLAG,
    )


def denominator_rows(shares: pl.DataFrame) -> pl.DataFrame:
    """Country-level rows ``<flow>_denominator_usd``: the total the shares of a group were taken
    of, where it is the total the source reports (elsewhere it is the sum of the partners'
    ``<flow>_usd`` rows); source names the publisher and where its total comes from."""
    groups = (
        shares.filter(pl.col(REPORTED_TOTAL))
        .group_by(SHARE_GROUP, maintain_order=True)
        .agg(
            pl.col(DENOMINATOR).first(),
            pl.col(DENOMINATOR_SOURCE).first(),
            *(pl.col(m).any() for m in SHARE_MARKS),
        )
    )
    return groups.select(
        "country_iso3",
        pl.lit(None, dtype=pl.String).alias("partner_iso3"),
        "year",
        pl.lit("trade").alias("dimension"),
        suffixed("flow", "_denominator_usd").alias("measure"),
        pl.col(DENOMINATOR).alias("value"),
        NO_UNIT,
        "method",
        pl.col(DENOMINATOR_SOURCE).alias("source"),
        SHARE_FLAG,
    )


def reported_rows(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Reporters' own figures: DOTS for its years, the recent sources for later years only."""
    imf = trade.normalise_flows(tables[IMF_TABLE].filter(~pl.col("is_mirror")))
    imf = imf.select(*trade.KEY, "value_usd", pl.lit(IMF_LABEL).alias("source"))
    imf = imf.with_columns(pl.col("year").cast(pl.Int32))
    recent = tables.get(RECENT_TABLE)
    if recent is None or recent.is_empty():
        return imf
    last = imf["year"].max() if imf.height else None
    later = recent if last is None else recent.filter(pl.col("year") > last)
    later = trade.normalise_flows(later).with_columns(pl.col("year").cast(pl.Int32))
    return pl.concat([imf, one_per_cell(later).select(imf.columns)])


def one_per_cell(recent: pl.DataFrame) -> pl.DataFrame:
    """One figure per reporter, partner, year and flow: official sources before press ones."""
    press = pl.col("source").str.starts_with(trade.PRESS_PREFIX)
    return recent.sort([*trade.KEY, press, "source"]).unique(
        subset=trade.KEY, keep="first", maintain_order=True
    )


def complete_groups(
    long: pl.DataFrame, reported: pl.DataFrame, dots_years: pl.DataFrame
) -> pl.DataFrame:
    """Rows whose country-year has a complete partner breakdown for their method.

    * mirror: DOTS years (every reporter's figures are there);
    * reporter: country-years whose own figures come from DOTS or national statistics;
    * chosen: DOTS years (own figures, else the complete mirror) and later country-years
      with own national statistics.

    Rows come method by method (reporter, mirror, chosen: :func:`complete_rows`).
    """
    own = complete_reporters(reported)
    return pl.concat([complete_rows(long, own, dots_years, m) for m in trade.METHODS])


def complete_reporters(reported: pl.DataFrame) -> pl.DataFrame:
    """country_iso3, year whose own figures come from DOTS or national statistics."""
    return (
        reported.filter(pl.col("source").is_in(list(COMPLETE_REPORTER_SOURCES)))
        .select(pl.col("reporter_iso3").alias("country_iso3"), "year")
        .unique()
    )


def complete_rows(
    long: pl.DataFrame, own: pl.DataFrame, dots_years: pl.DataFrame, method: str
) -> pl.DataFrame:
    """The rows of ``method`` with a complete partner breakdown (:func:`complete_groups`)."""
    semi = {"how": "semi", "maintain_order": "left"}
    rows = long.filter(pl.col("method") == method)
    if method == "reporter":
        return rows.join(own, on=["country_iso3", "year"], **semi)
    if method == "mirror":
        return rows.join(dots_years, on="year", **semi)
    chosen_dots = rows.join(dots_years, on="year", **semi)
    chosen_later = rows.join(dots_years, on="year", how="anti", maintain_order="left").join(
        own, on=["country_iso3", "year"], **semi
    )
    return pl.concat([chosen_dots, chosen_later])


def suffixed(column: str, suffix: str) -> pl.Expr:
    """``flow`` + suffix via a lookup (export_share ...), cheaper than per-row concatenation."""
    names = {flow: flow + suffix for flow in (*trade.FLOWS, "total")}
    return pl.col(column).replace_strict(names, return_dtype=pl.String)


def share_rows(shares: pl.DataFrame) -> pl.DataFrame:
    return shares.select(
        "country_iso3",
        "partner_iso3",
        "year",
        pl.lit("trade").alias("dimension"),
        suffixed("flow", "_share").alias("measure"),
        pl.col("share").alias("value"),
        NO_UNIT,
        "method",
        "source",
        SHARE_FLAG,
    )


def amount_rows(long: pl.DataFrame) -> pl.DataFrame:
    chosen = long.filter(pl.col("method") == "chosen")
    return chosen.select(
        "country_iso3",
        "partner_iso3",
        "year",
        pl.lit("trade").alias("dimension"),
        suffixed("flow", "_usd").alias("measure"),
        pl.col("value_usd").alias("value"),
        NO_UNIT,
        "method",
        "source",
        FLAG,
    )


def gdp_frame(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame | None:
    """GDP in current US$ from WDI, or None when the WDI table was not built."""
    wdi = tables.get(WDI_TABLE)
    if wdi is None:
        return None
    return wdi.filter(pl.col("indicator_code") == GDP_CODE).select(
        "country_iso3", pl.col("year").cast(pl.Int32), pl.col("value").alias("gdp_usd")
    )


def exposure_rows(exposures: pl.DataFrame) -> pl.DataFrame:
    return exposures.select(
        "country_iso3",
        "partner_iso3",
        "year",
        pl.lit("trade").alias("dimension"),
        pl.lit("exposure_share").alias("measure"),
        pl.col("exposure_share").alias("value"),
        NO_UNIT,
        pl.lit("chosen").alias("method"),
        (pl.col("source") + " / WDI GDP (NY.GDP.MKTP.CD)").alias("source"),
        FLAG,
    )


def asymmetry_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "country_iso3",
        "partner_iso3",
        "year",
        pl.lit("trade").alias("dimension"),
        pl.lit("asymmetry").alias("measure"),
        pl.col("asymmetry").alias("value"),
        NO_UNIT,
        pl.lit("chosen").alias("method"),
        (pl.col("source") + " / WDI GDP (NY.GDP.MKTP.CD)").alias("source"),
        FLAG,
    )
