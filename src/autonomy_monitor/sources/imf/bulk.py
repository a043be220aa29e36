"""IMF Direction of Trade Statistics 1960–2020 from the staged bulk file (``<source_dir>/trade/``).

Inputs (see trade/SOURCES.md):

* ``imf_dots_1960_2020.parquet``: one row per reporter, partner, flow and year, in US$
  million, as the reporter's own DOTS country report shows it (exports FOB, imports CIF);
* ``imf_dots_country_codes.csv``: the IMF names with an ``is_aggregate`` marker.

Output: ``core_imf__yearly_bilateral_trade(reporter_iso3, partner_iso3, year, flow,
value_usd, is_mirror)`` with ``flow`` in ``export``/``import``, ``value_usd`` in plain US
dollars and ``is_mirror`` False (these are the reporters' own figures; the mirror view is
derived in :mod:`autonomy_monitor.pipeline.steps.trade_step`).

Quirks handled here, each counted as a reject with its reason (nothing is dropped silently):

* aggregate reporters and partners (World, regions, "not specified" areas, Special
  Categories) are never partners: the rows are dropped and counted;
* ``Belgium-Luxembourg`` (the joint reporter of the BLEU until 1998) and ``Netherlands
  Antilles`` are not states of the country dimension: dropped and counted;
* names are resolved through the country dimension, not the file's ``*_iso3`` columns,
  which merge South Yemen into YEM; the two disagreements are listed in
  ``qa_imf__code_disagreements``;
* exact duplicate rows (about 48,700, e.g. Nicaragua's report) are removed and counted;
* ``Malaysia, West`` and the historical names that share a code with the current name are
  kept only where the current name has no row for the same reporter, partner, flow and year
  (otherwise counted as "superseded entity name").
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "imf"
CATALOG = "imf_dots"  # the catalog entry of the bulk DOTS file (imf.yaml is the live IMTS)
FOLDER = "trade"
DATA_FILE = "imf_dots_1960_2020.parquet"
CODES_FILE = "imf_dots_country_codes.csv"
CORE_TABLE = "core_imf__yearly_bilateral_trade"
SOURCE_LABEL = "IMF DOTS"

REQUIRED = (
    "reporter",
    "reporter_iso3",
    "partner",
    "partner_iso3",
    "partner_is_aggregate",
    "flow",
    "year",
    "value_usd_millions",
)
CODES_REQUIRED = ("imf_name", "iso3", "is_aggregate")
FLOWS = {"exports_fob": "export", "imports_cif": "import"}

NOT_IN_DIMENSION = {
    "Belgium-Luxembourg": (
        "Belgium-Luxembourg economic union (joint reporter "
        "to 1998) is not a state of the country dimension"
    ),
    "Netherlands Antilles": "Netherlands Antilles (dissolved 2010) is not in the country dimension",
}

CORE_SCHEMA = contracts.polars_schema(
    "core_imf__yearly_bilateral_trade"
)  # declared in catalog/tables/


def load(source_dir: Path) -> SourceResult:
    """Read DOTS into ``core_imf__yearly_bilateral_trade`` with provenance and QA tables."""
    folder = source_dir / FOLDER
    codes_path = folder / CODES_FILE
    codes = bc.read_table(codes_path, SOURCE, CODES_REQUIRED)
    codes_record = bc.new_record(SOURCE, FOLDER, codes_path, catalog_name=CATALOG)
    codes_record.rows_read = codes_record.rows_kept = codes.height
    data_path = folder / DATA_FILE
    frame, record = bc.open_input(
        data_path, SOURCE, FOLDER, REQUIRED, catalog_name=CATALOG, columns=REQUIRED
    )
    core, disagreements = parse(frame, aggregate_names(codes), data_path, record)
    record.rows_kept = core.height
    return SourceResult(
        tables={CORE_TABLE: core},
        inputs=[record, codes_record],
        checks={"qa_imf__code_disagreements": disagreements},
    )


def aggregate_names(codes: pl.DataFrame) -> frozenset[str]:
    """IMF names marked as aggregates in the code table (World, regions, groups)."""
    flag = pl.col("is_aggregate").cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes"])
    return frozenset(codes.filter(flag)["imf_name"].to_list())


def parse(
    frame: pl.DataFrame, aggregates: frozenset[str], path: Path, record: InputRecord
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The DOTS long frame -> (core table, name/code disagreements); rejects go on ``record``."""
    frame = bc.to_int(frame, "year", path, SOURCE)
    frame = check_flows(frame, path)
    frame = bc.to_float(frame, "value_usd_millions", path, SOURCE)
    frame = drop_aggregates(frame, aggregates, record)
    frame = check_nonnegative(frame, path)
    empty = frame["value_usd_millions"].is_null() | frame["value_usd_millions"].is_nan()
    record.reject("empty value", int(empty.sum()))
    frame = bc.drop_duplicates(frame.filter(~empty), record)
    frame = resolve(frame, record)
    disagreements = code_disagreements(frame)
    core = frame.select(
        "reporter_iso3",
        "partner_iso3",
        "year",
        "flow",
        (pl.col("value_usd_millions") * 1e6).alias("value_usd"),
        pl.lit(False).alias("is_mirror"),
    )
    return finish(core), disagreements


def check_flows(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """Map exports_fob/imports_cif to export/import; any other label is a bad file."""
    unknown = frame.filter(~pl.col("flow").is_in(list(FLOWS)))
    if unknown.height:
        index = int((~frame["flow"].is_in(list(FLOWS))).arg_true()[0])
        raise bc.BadInput(
            f"{SOURCE}: {path.name}, column 'flow', row {index + 1}: {frame['flow'][index]!r} is "
            f"not one of {', '.join(FLOWS)}; correct or remove that row."
        )
    return frame.with_columns(pl.col("flow").replace_strict(FLOWS).alias("flow"))


def drop_aggregates(
    frame: pl.DataFrame, aggregates: frozenset[str], record: InputRecord
) -> pl.DataFrame:
    """Drop (and count) rows whose reporter or partner is an aggregate or outside the dimension."""
    frame = frame.with_row_index("__row", offset=1)
    aggregate_partner = pl.col("partner").is_in(list(aggregates)) | pl.col(
        "partner_is_aggregate"
    ).fill_null(False)
    reporter_bad = pl.col("reporter").is_in(list(aggregates))
    record.reject("aggregate reporter (World, regions, groups)", frame.filter(reporter_bad).height)
    frame = frame.filter(~reporter_bad)
    record.reject(
        "aggregate partner (World, regions, not specified)", frame.filter(aggregate_partner).height
    )
    frame = frame.filter(~aggregate_partner)
    for name, reason in NOT_IN_DIMENSION.items():
        hit = (pl.col("reporter") == name) | (pl.col("partner") == name)
        record.reject(reason, frame.filter(hit).height)
        frame = frame.filter(~hit)
    return frame


def check_nonnegative(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """A negative trade value between two countries is a corrupt file (row is 1-based)."""
    negative = frame.filter(pl.col("value_usd_millions") < 0)
    if negative.height:
        row = negative.row(0, named=True)
        raise bc.BadInput(
            f"{SOURCE}: {path.name}, column 'value_usd_millions', row {row['__row']}: "
            f"{row['value_usd_millions']!r} is negative, which a trade value cannot be; "
            "correct or remove that row."
        )
    return frame.drop("__row")


def resolve(frame: pl.DataFrame, record: InputRecord) -> pl.DataFrame:
    """Resolve IMF names to ISO3 through the country dimension and drop superseded names."""
    frame = frame.rename(
        {"reporter_iso3": "file_reporter_iso3", "partner_iso3": "file_partner_iso3"}
    )
    for role in ("reporter", "partner"):
        frame = bc.resolve_countries(
            frame, name=role, code=None, out=f"{role}_iso3", source=SOURCE, record=record
        )
    return drop_superseded(frame, record)


def drop_superseded(frame: pl.DataFrame, record: InputRecord) -> pl.DataFrame:
    """Where two IMF names map to one code for the same cell, keep the name whose file code
    equals the resolved code and, among those, the larger value; count the rest."""
    key = ["reporter_iso3", "partner_iso3", "flow", "year"]
    ranked = frame.with_columns(
        __exact=(pl.col("file_partner_iso3") == pl.col("partner_iso3")).fill_null(False)
        & (pl.col("file_reporter_iso3") == pl.col("reporter_iso3")).fill_null(False)
    ).sort([*key, "__exact", "value_usd_millions"], descending=[False] * 4 + [True, True])
    kept = ranked.unique(subset=key, keep="first", maintain_order=True)
    record.reject("superseded entity name for the same code and year", frame.height - kept.height)
    return kept.drop("__exact")


def code_disagreements(frame: pl.DataFrame) -> pl.DataFrame:
    """IMF names whose file ISO3 differs from the country dimension's (listed, not fatal)."""
    parts = [
        frame.select(
            pl.col(role).alias("imf_name"),
            pl.col(f"file_{role}_iso3").alias("file_iso3"),
            pl.col(f"{role}_iso3").alias("resolved_iso3"),
        )
        for role in ("reporter", "partner")
    ]
    both = pl.concat(parts).unique()
    return both.filter(pl.col("file_iso3").ne_missing(pl.col("resolved_iso3"))).sort("imf_name")


def finish(core: pl.DataFrame) -> pl.DataFrame:
    """Cast to the core schema and sort deterministically."""
    return core.cast(CORE_SCHEMA).sort("reporter_iso3", "partner_iso3", "year", "flow")  # type: ignore[arg-type]
