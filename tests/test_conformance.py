"""Conformance: each relational indicator gives the same frame on Polars, DuckDB and Spark.

One test body per indicator, parametrised over the engines; frames are compared exactly after
sorting and rounding floats to 9 decimals. The reference is independent of the narwhals code
(the only implementation, ``indicators/relational.py``): plain-Python computations in this
file, or the remittance allocation of ``indicators/remittances.py``.

Spark runs in local mode with one session for the whole run (local[1], UI off, two shuffle
partitions); its tests skip with the reason when pyspark or Java is missing. Run them with
``uv run --extra test --extra spark pytest tests/test_conformance.py``.

Declared gaps: none at present — every indicator gives the same frame on all three engines.
A future gap is declared with ``pytest.mark.xfail(strict=True, raises=<Exception>)``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from autonomy_monitor.compute import Engine, get_engine
from autonomy_monitor.compute.spark_engine import spark_available
from autonomy_monitor.errors import BadArgument, BadInput
from autonomy_monitor.indicators import relational, remittances, trade
from autonomy_monitor.pipeline.steps import dependence_step, products_step, trade_step

ENGINE_NAMES = ["polars", "duckdb", "spark"]


@pytest.fixture(scope="session")
def spark_session():  # type: ignore[no-untyped-def]
    reason = spark_available()
    if reason:
        pytest.skip(f"Spark conformance skipped: {reason}")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("autonomy-conformance")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Each engine in turn, closed after the test (DuckDB's spill folder removed; the shared
    Spark session is the session fixture's to stop)."""
    if request.param == "spark":
        from autonomy_monitor.compute.spark_engine import SparkEngine

        made: Engine = SparkEngine(session=request.getfixturevalue("spark_session"))
    else:
        made = get_engine(request.param)
    yield made
    made.close()


def normalised(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Chosen columns, integers as Int64, floats rounded to 9 decimals, rows sorted."""
    out = frame.select(columns)
    casts = {}
    for name, dtype in out.schema.items():
        if dtype.is_integer():
            casts[name] = pl.Int64
    out = out.cast(casts).with_columns(pl.col(pl.Float64, pl.Float32).cast(pl.Float64).round(9))  # type: ignore[arg-type]
    return out.sort(columns, nulls_last=True)


def assert_same(
    actual: pl.DataFrame, expected: pl.DataFrame, columns: list[str] | None = None
) -> None:
    columns = columns or expected.columns
    assert actual.height == expected.height, f"{actual.height} rows instead of {expected.height}"
    assert_frame_equal(normalised(actual, columns), normalised(expected, columns), check_exact=True)


# ---------------------------------------------------------------- synthetic inputs


def views_frame() -> pl.DataFrame:
    """A long views frame: zeros, a null, a zero-total group, two sources, marks."""
    rows = []
    for country, partners in (
        ("AAA", {"BBB": 5.0, "CCC": 3.0, "DDD": 0.0}),
        ("BBB", {"AAA": 7.0, "CCC": None}),
        ("CCC", {"AAA": 0.0, "BBB": 0.0}),
        ("DDD", {"AAA": 1.5}),
    ):
        for year in (2019, 2020):
            for flow in ("export", "import", "total"):
                for method in ("reporter", "chosen"):
                    for partner, value in partners.items():
                        scaled = (
                            None
                            if value is None
                            else value * (year - 2017) * (2 if flow == "import" else 1)
                        )
                        rows.append(
                            {
                                "country_iso3": country,
                                "partner_iso3": partner,
                                "year": year,
                                "flow": flow,
                                "method": method,
                                "value_usd": scaled,
                                "source": "IMF DOTS" if partner != "CCC" else "KZ BNS",
                                "mirror_used": method == "chosen" and partner == "BBB",
                                "press_reported": partner == "DDD",
                                "reporter_imf_estimate": False,
                            }
                        )
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int32})


SHARE_GROUP = ["country_iso3", "year", "flow", "method"]


def python_shares(views: pl.DataFrame, denominator: str | None = None) -> pl.DataFrame:
    """Plain-Python partner shares: value / (the group's sum, or max(reported total, sum)),
    rows with a null or negative value or a non-positive denominator left out."""
    rows = views.to_dicts()
    sums: dict[tuple, float] = defaultdict(float)
    for row in rows:
        if row["value_usd"] is not None and row["value_usd"] >= 0:
            sums[tuple(row[k] for k in SHARE_GROUP)] += row["value_usd"]
    out = []
    for row in rows:
        if row["value_usd"] is None or row["value_usd"] < 0:
            continue
        total = sums[tuple(row[k] for k in SHARE_GROUP)]
        if denominator is not None and row[denominator] is not None:
            total = max(total, row[denominator])
        if total > 0:
            out.append({**row, "share": row["value_usd"] / total})
    return pl.DataFrame(out, schema={**views.schema, "share": pl.Float64})


def python_hhi(shares: pl.DataFrame) -> pl.DataFrame:
    """Plain-Python HHI: Σ share² and the number of partners with a positive share."""
    index: dict[tuple, list[float]] = defaultdict(list)
    for row in shares.to_dicts():
        if row["share"] > 0:
            index[tuple(row[k] for k in SHARE_GROUP)].append(row["share"])
    return pl.DataFrame(
        [
            {
                **dict(zip(SHARE_GROUP, key)),
                "hhi": sum(x * x for x in values),
                "n_partners": len(values),
            }
            for key, values in index.items()
        ],
        schema_overrides={"year": pl.Int32},
    )


def test_partner_shares(engine: Engine) -> None:
    views = views_frame()
    actual = engine.collect(relational.partner_shares(engine.lazy(views), SHARE_GROUP, "value_usd"))
    assert_same(actual, python_shares(views))


def test_partner_shares_of_a_reported_total(engine: Engine) -> None:
    """Where a reported total exists, shares divide by max(total, Σ): below Σ it is ignored."""
    views = views_frame().with_columns(
        pl.when(pl.col("country_iso3") == "AAA")
        .then(pl.lit(100.0))
        .when(pl.col("country_iso3") == "DDD")
        .then(pl.lit(0.5))
        .otherwise(None)
        .alias("reported_usd")
    )
    actual = engine.collect(
        relational.partner_shares(
            engine.lazy(views), SHARE_GROUP, "value_usd", denominator="reported_usd"
        )
    )
    expected = python_shares(views, "reported_usd")
    assert_same(actual, expected)
    assert expected.filter(pl.col("country_iso3") == "DDD")["share"].to_list() == [1.0] * 12


def test_hhi(engine: Engine) -> None:
    shares = python_shares(views_frame())
    actual = engine.collect(relational.hhi(engine.lazy(shares), SHARE_GROUP))
    assert_same(actual, python_hhi(shares))


def test_group_labels(engine: Engine) -> None:
    shares = python_shares(views_frame()).filter(pl.col("share") > 0)
    actual = engine.collect(relational.group_labels(engine.lazy(shares), SHARE_GROUP, trade.MARKS))
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in shares.to_dicts():
        groups[tuple(row[k] for k in SHARE_GROUP)].append(row)
    expected = []
    for key, rows in groups.items():
        lo, hi = min(r["source"] for r in rows), max(r["source"] for r in rows)
        expected.append(
            {
                **dict(zip(SHARE_GROUP, key)),
                "source": lo if lo == hi else f"{lo} | {hi}",
                **{m: any(r[m] for r in rows) for m in trade.MARKS},
            }
        )
    assert_same(
        actual,
        pl.DataFrame(expected, schema_overrides={"year": pl.Int32}),
        [*SHARE_GROUP, "source", *trade.MARKS],
    )


def test_exposure(engine: Engine) -> None:
    views = views_frame()
    gdp = pl.DataFrame(
        {
            "country_iso3": ["AAA", "BBB", "CCC"],
            "year": [2019, 2020, 2020],
            "gdp_usd": [100.0, 50.0, 0.0],
        }
    )
    actual = engine.collect(relational.exposure(engine.lazy(views), engine.lazy(gdp)))
    gdp_of = {(c, y): g for c, y, g in gdp.iter_rows()}
    expected = [
        {
            **row,
            "exposure_share": None
            if row["value_usd"] is None
            else row["value_usd"] / gdp_of[(row["country_iso3"], row["year"])],
        }
        for row in views.to_dicts()
        if row["method"] == "chosen"
        and row["flow"] == "total"
        and gdp_of.get((row["country_iso3"], row["year"]), 0) > 0
    ]
    assert_same(
        actual, pl.DataFrame(expected, schema={**views.schema, "exposure_share": pl.Float64})
    )


def test_allocation_shares(engine: Engine) -> None:
    stock = pl.DataFrame(
        {
            "origin_iso3": ["UZB", "UZB", "UZB", "KGZ", "KGZ", "UZB", "UZB"],
            "destination_iso3": ["RUS", "KAZ", "KOR", "RUS", "TUR", "RUS", "KAZ"],
            "year": [2015, 2015, 2015, 2015, 2015, 2020, 2020],
            "migrants": [1000.0, 300.0, 50.0, 600.0, 40.0, 1100.0, 250.0],
        }
    )
    wdi = pl.DataFrame(
        {
            "country_iso3": ["RUS", "KAZ", "KOR", "RUS", "KAZ", "KOR"],
            "year": [2015, 2015, 2015, 2020, 2020, 2020],
            "indicator_code": [remittances.GDP_PER_CAPITA] * 6,
            "value": [9000.0, 10500.0, 28000.0, 10100.0, 9100.0, 31700.0],
        }
    )
    # the estimator's allocation with recent flows absent, κ = 1 and γ = 1 is the stock × income
    # rule
    features = remittances.migrant_features(stock, None, wdi, [2015, 2020])
    expected = remittances.allocation_shares(features, kappa=1.0, gamma=1.0).rename(
        {"allocation": "share"}
    )
    gdppc = remittances.indicator(wdi, remittances.GDP_PER_CAPITA, "gdp_per_capita_usd")
    actual = engine.collect(
        relational.allocation_shares(
            engine.lazy(stock.with_columns(pl.col("year").cast(pl.Int32))), engine.lazy(gdppc)
        )
    )
    assert_same(actual, expected, ["country_iso3", "partner_iso3", "year", "share"])


def test_dependence_union(engine: Engine) -> None:
    from autonomy_monitor.indicators.shares import OUTPUT_SCHEMA

    base = {"dimension": "trade", "unit": "share", "method": "chosen", "source": "IMF DOTS"}
    a = pl.DataFrame(
        [
            {
                **base,
                "country_iso3": "KAZ",
                "partner_iso3": "CHN",
                "year": 2020,
                "measure": "total_share",
                "value": 0.2,
                "flag": None,
            },
            {
                **base,
                "country_iso3": "KAZ",
                "partner_iso3": None,
                "year": 2020,
                "measure": "total_hhi",
                "value": 0.31,
                "flag": "mirror_used",
            },
        ],
        schema=OUTPUT_SCHEMA,
    )
    b = a.with_columns(pl.lit("remittances").alias("dimension"), pl.col("value") * 3)
    tables = {"out_dependence__trade": a, "out_dependence__remittances": b}
    actual = dependence_step.compute_with(engine)(tables)["out_dependence__yearly"]
    assert actual.schema == pl.Schema(OUTPUT_SCHEMA)
    key = [
        (r["country_iso3"], r["dimension"], r["year"], r["measure"], r["partner_iso3"] or "~")
        for r in actual.to_dicts()
    ]
    assert key == sorted(key)  # sorted by country, dimension, year, measure, partner (nulls last)
    assert_same(actual, pl.concat([a, b]))


# ---------------------------------------------------------------- product level


def product_trade() -> pl.DataFrame:
    """exporter, importer, product, year, value: China dominates product 850760 exports."""
    rows = []
    for year in (2019, 2020, 2021):
        for exporter, importer, product, value in (
            ("CHN", "KAZ", "850760", 90.0),
            ("KOR", "KAZ", "850760", 10.0),
            ("CHN", "DEU", "850760", 70.0),
            ("USA", "DEU", "850760", 5.0),
            ("KAZ", "CHN", "850760", 1.0),
            ("RUS", "KAZ", "271019", 40.0 if year != 2020 else 10.0),
            ("CHN", "KAZ", "271019", 35.0),
            ("DEU", "KAZ", "271019", 25.0),
            ("KAZ", "UZB", "271019", 80.0),
            ("RUS", "UZB", "271019", 5.0),
            ("RUS", "KAZ", "100199", 60.0),
            ("USA", "KAZ", "100199", 0.0),
            ("KAZ", "TJK", "100199", 50.0),
        ):
            rows.append(
                {
                    "year": year,
                    "exporter_iso3": exporter,
                    "importer_iso3": importer,
                    "product": product,
                    "value_usd": value,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int32})


def python_concentration(rows: list[dict]) -> pl.DataFrame:
    """Plain-Python reference for supplier_concentration."""
    pair: dict = defaultdict(float)
    exports: dict = defaultdict(float)
    for r in rows:
        if r["value_usd"] > 0:
            pair[(r["importer_iso3"], r["product"], r["year"], r["exporter_iso3"])] += r[
                "value_usd"
            ]
            exports[(r["exporter_iso3"], r["product"], r["year"])] += r["value_usd"]
    imports: dict = defaultdict(dict)
    for (imp, prod, year, exp), v in pair.items():
        imports[(imp, prod, year)][exp] = v
    world: dict = defaultdict(dict)
    for (exp, prod, year), v in exports.items():
        world[(prod, year)][exp] = v

    def hhi(values: dict) -> float:
        total = sum(values.values())
        return sum((v / total) ** 2 for v in values.values())

    out = []
    for (imp, prod, year), suppliers in imports.items():
        out.append(
            {
                "importer_iso3": imp,
                "product": prod,
                "year": year,
                "import_usd": sum(suppliers.values()),
                "import_hhi": hhi(suppliers),
                "n_suppliers": len(suppliers),
                "export_usd": exports.get((imp, prod, year), 0.0),
                "world_export_hhi": hhi(world[(prod, year)]),
            }
        )
    return pl.DataFrame(out)


def python_flags(concentration: pl.DataFrame) -> pl.DataFrame:
    met = {
        (r["importer_iso3"], r["product"], r["year"]): r["import_hhi"] > 0.4
        and r["world_export_hhi"] > 0.4
        and r["import_usd"] > r["export_usd"]
        for r in concentration.iter_rows(named=True)
    }
    rows = []
    for r in concentration.iter_rows(named=True):
        key = (r["importer_iso3"], r["product"])
        years = sum(met.get((*key, r["year"] - lag), False) for lag in range(3))
        rows.append(
            {
                **r,
                "criteria_met": met[(*key, r["year"])],
                "years_met": years,
                "strategic": years >= 2,
            }
        )
    return pl.DataFrame(rows)


def test_supplier_concentration(engine: Engine) -> None:
    frame = product_trade()
    actual = engine.collect(relational.supplier_concentration(engine.lazy(frame)))
    assert_same(actual, python_concentration(frame.to_dicts()))


def test_strategic_dependence(engine: Engine) -> None:
    expected = python_flags(python_concentration(product_trade().to_dicts()))
    actual = engine.collect(
        relational.strategic_dependence(
            engine.lazy(expected.drop("criteria_met", "years_met", "strategic"))
        )
    )
    assert_same(actual, expected)
    kaz = expected.filter(
        (pl.col("importer_iso3") == "KAZ")
        & (pl.col("product") == "850760")
        & (pl.col("year") == 2021)
    )
    assert kaz["strategic"].item() is True  # batteries from China: 90% of KAZ imports, 3 years of 3


def test_strategic_share_on(engine: Engine) -> None:
    frame = product_trade()
    flags = python_flags(python_concentration(frame.to_dicts()))
    actual = engine.collect(
        relational.strategic_share_on(engine.lazy(frame), engine.lazy(flags), ["CHN", "RUS"])
    )
    strategic = {
        (r["importer_iso3"], r["product"], r["year"])
        for r in flags.filter(pl.col("strategic")).iter_rows(named=True)
    }
    totals: dict = defaultdict(float)
    by_partner: dict = defaultdict(float)
    for r in frame.iter_rows(named=True):
        if r["value_usd"] > 0:
            totals[(r["importer_iso3"], r["year"])] += r["value_usd"]
            if (
                r["exporter_iso3"] in ("CHN", "RUS")
                and (r["importer_iso3"], r["product"], r["year"]) in strategic
            ):
                by_partner[(r["importer_iso3"], r["exporter_iso3"], r["year"])] += r["value_usd"]
    expected = pl.DataFrame(
        [
            {
                "importer_iso3": c,
                "partner_iso3": p,
                "year": y,
                "strategic_import_usd": v,
                "import_usd": totals[(c, y)],
                "share": v / totals[(c, y)],
            }
            for (c, p, y), v in by_partner.items()
        ]
    )
    assert_same(actual, expected)
    assert not math.isclose(expected["share"].sum(), 0.0)


def write_baci(folder: Path, frame: pl.DataFrame) -> None:
    """Synthetic BACI-layout files (t,i,j,k,v,q; v in thousands of US$; BACI codes)."""
    codes = {
        "CHN": 156,
        "KAZ": 398,
        "KOR": 410,
        "DEU": 276,
        "USA": 842,
        "RUS": 643,
        "UZB": 860,
        "TJK": 762,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for year, part in frame.group_by("year"):
        out = part.select(
            pl.col("year").alias("t"),
            pl.col("exporter_iso3").replace_strict(codes).alias("i"),
            pl.col("importer_iso3").replace_strict(codes).alias("j"),
            pl.col("product").str.strip_chars_start("0").alias("k"),
            (pl.col("value_usd") / 1000).alias("v"),
            pl.lit("NA").alias("q"),
        )
        out = pl.concat(
            [
                out,
                pl.DataFrame(
                    {
                        "t": [year[0]],
                        "i": [58],
                        "j": [398],
                        "k": ["10121"],
                        "v": [1.0],
                        "q": ["NA"],
                    },
                    schema=out.schema,
                ),
            ]
        )  # Belgium-Luxembourg: rejected with its reason
        out.write_csv(folder / f"BACI_HS17_Y{year[0]}_V202401.csv")


def test_product_build_from_baci_files(engine: Engine, tmp_path: Path) -> None:
    frame = product_trade()
    write_baci(tmp_path / "baci", frame)
    result = products_step.build_products(engine, tmp_path / "baci")
    flags = result.tables[products_step.FLAGS_TABLE].rename({"country_iso3": "importer_iso3"})
    expected = python_flags(python_concentration(frame.to_dicts()))
    assert_same(flags, expected)
    record = result.inputs[0]
    assert record.rows_read == frame.height + 3 and record.rows_kept == frame.height
    assert any("Belgium-Luxembourg" in reason for reason in record.reject_reasons)
    shares = result.tables[products_step.SHARE_TABLE]
    assert set(shares["partner_iso3"]) <= {"CHN", "RUS"} and shares.height > 0


# ---------------------------------------------------------------- bad input and engine choice


def test_baci_file_missing_a_column_names_file_and_column(
    tmp_path: Path, duckdb_engine: Engine
) -> None:
    folder = tmp_path / "baci"
    folder.mkdir()
    (folder / "BACI_HS17_Y2020_V202401.csv").write_text("t,i,j,k,q\n2020,156,398,850760,NA\n")
    with pytest.raises(BadInput, match=r"BACI_HS17_Y2020_V202401\.csv: missing column\(s\) v"):
        products_step.build_products(duckdb_engine, folder)


def test_negative_baci_value_is_refused(tmp_path: Path, duckdb_engine: Engine) -> None:
    folder = tmp_path / "baci"
    folder.mkdir()
    (folder / "BACI_HS17_Y2020_V202401.csv").write_text(
        "t,i,j,k,v,q\n2020,156,398,850760,-4.5,NA\n"
    )
    with pytest.raises(BadInput, match="negative value in column v"):
        products_step.build_products(duckdb_engine, folder)


def test_unknown_engine_and_misplaced_master_are_refused() -> None:
    with pytest.raises(BadArgument, match="Unknown engine 'flink'"):
        get_engine("flink")
    with pytest.raises(BadArgument, match="--spark-master only applies"):
        get_engine("duckdb", master="spark://host:7077")


# ---------------------------------------------------------------- the real data, a few reporters

SAMPLE = ("KAZ", "KGZ", "UZB", "TJK", "TKM", "RUS", "CHN", "USA", "DEU", "TUR", "JPN", "KOR")


@pytest.fixture(scope="module")
def sample_tables(shared_data: Path) -> dict[str, pl.DataFrame]:
    """The trade core tables restricted to reporters and partners in SAMPLE (a closed world)."""
    from autonomy_monitor.sources.imf import bulk as imf
    from autonomy_monitor.sources.trade_recent import bulk as recent
    from autonomy_monitor.sources.wdi import bulk as wdi

    tables: dict[str, pl.DataFrame] = {}
    for result in (imf.load(shared_data), recent.load(shared_data), wdi.load(shared_data)):
        tables.update(result.tables)
    keep = {}
    for name in (trade_step.IMF_TABLE, trade_step.RECENT_TABLE):
        keep[name] = tables[name].filter(
            pl.col("reporter_iso3").is_in(SAMPLE) & pl.col("partner_iso3").is_in(SAMPLE)
        )
    keep[trade_step.WDI_TABLE] = tables[trade_step.WDI_TABLE].filter(
        pl.col("country_iso3").is_in(SAMPLE)
    )
    return keep


@pytest.mark.shared_data
def test_trade_dependence_tables_equal_default_engine(
    engine: Engine, sample_tables: dict[str, pl.DataFrame]
) -> None:
    """`autonomy build --engine <engine>` gives the same dependence tables as the default path."""
    expected = trade_step.compute(sample_tables)
    actual = trade_step.compute_with(engine)(sample_tables)
    out = trade_step.OUT_TABLE
    assert expected[out].height > 1000
    assert actual[out].schema == expected[out].schema
    assert_same(actual[out], expected[out])
    union = dependence_step.compute_with(engine)({out: actual[out]})["out_dependence__yearly"]
    assert_same(union, dependence_step.compute({out: expected[out]})["out_dependence__yearly"])


@pytest.mark.shared_data
def test_build_derived_steps_on_engine_equal_default(
    engine: Engine, sample_tables: dict[str, pl.DataFrame]
) -> None:
    """The build's wiring (`build.derive_in_memory(..., engine)`, as `autonomy build --engine`)
    gives the same dependence tables, the union out_dependence__yearly included."""
    from autonomy_monitor.pipeline import build

    default, other = (
        build.derive_in_memory(sample_tables),
        build.derive_in_memory(sample_tables, engine),
    )
    for name in ("out_dependence__trade", "out_dependence__yearly"):
        assert other[name].schema == default[name].schema
        assert_same(other[name], default[name])
