"""Validation of what the build writes without a pandera pass over a Polars frame: the union
``out_dependence__yearly`` (validated in DuckDB at the end of the build, its dimension parts
checked as they are appended), tables copied from the previous warehouse (columns and types
from DuckDB's schema) and the index step's pushed-down reads. Tiny fixtures only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from autonomy_monitor.catalog import contracts
from autonomy_monitor.pipeline import build, reuse, warehouse
from autonomy_monitor.pipeline.steps import dependence_step, index_step
from autonomy_monitor.pipeline.steps.reads import Read

YEARLY = "out_dependence__yearly"
TRADE = "out_dependence__trade"
SCHEMA = contracts.polars_schema(YEARLY)


def rows(**overrides: list) -> pl.DataFrame:
    """Three trade rows of KGZ in the shared dependence schema (catalogued measures, units)."""
    data: dict[str, list] = {
        "country_iso3": ["KGZ", "KGZ", "KGZ"],
        "partner_iso3": ["RUS", "CHN", None],
        "year": [2021, 2021, 2021],
        "dimension": ["trade", "trade", "trade"],
        "measure": ["total_share", "total_share", "total_hhi"],
        "value": [0.3, 0.2, 0.15],
        "unit": ["share", "share", "index 1/N..1"],
        "method": ["chosen", "chosen", "chosen"],
        "source": ["IMF DOTS", "IMF DOTS", "IMF DOTS"],
        "flag": [None, None, None],
    }
    data.update(overrides)
    return pl.DataFrame(data, schema=SCHEMA)


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(":memory:") as con:
        yield con


def lineage() -> warehouse.TableLineage:
    return warehouse.TableLineage(0, "step trade", "test")


def store(connection: duckdb.DuckDBPyConnection, frame: pl.DataFrame, name: str = YEARLY) -> None:
    connection.register("_frame", frame.to_arrow())
    connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
    connection.unregister("_frame")


def test_catalogued_rows_pass_in_duckdb(connection: duckdb.DuckDBPyConnection) -> None:
    store(connection, rows())
    contracts.validate_in_duckdb(connection, YEARLY, YEARLY, "step trade")
    contracts.validate_in_duckdb(connection, TRADE, YEARLY, "step trade")


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            rows(partner_iso3=["RUS", "RUS", None], value=[0.3, 0.4, 0.15]),
            "primary key (country_iso3=KGZ, partner_iso3=RUS, year=2021, dimension=trade, "
            "measure=total_share, method=chosen) occurs in 2 rows",
        ),
        (
            rows(source=["IMF DOTS", None, "IMF DOTS"]),
            "column 'source' is empty in the row with key (country_iso3=KGZ, partner_iso3=CHN",
        ),
        (rows(measure=["total_share", "made_up", "total_hhi"]), "measure 'made_up'"),
        (
            rows(unit=["share", "US$", "index 1/N..1"]),
            "measure 'total_share' has unit 'US$' where the catalog says 'share'",
        ),
        (rows().with_columns(pl.col("year").cast(pl.Int64)), "column 'year' has type BIGINT"),
        (rows().drop("flag"), "column 'flag' is missing"),
        (rows().with_columns(pl.lit(1).alias("extra")), "column 'extra' is not in the contract"),
    ],
)
def test_a_fault_in_duckdb_is_one_sentence_naming_table_and_key(
    connection: duckdb.DuckDBPyConnection, frame: pl.DataFrame, expected: str
) -> None:
    store(connection, frame)
    with pytest.raises(contracts.ContractViolation) as error:
        contracts.validate_in_duckdb(connection, YEARLY, YEARLY, "step trade")
    message = str(error.value)
    assert message.startswith(f"{YEARLY} from step trade: ")
    assert expected in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_duckdb_and_pandera_agree_on_a_repeated_key(connection: duckdb.DuckDBPyConnection) -> None:
    frame = rows(partner_iso3=["RUS", "RUS", None], value=[0.3, 0.4, 0.15])
    store(connection, frame)
    with pytest.raises(contracts.ContractViolation) as in_duckdb:
        contracts.validate_in_duckdb(connection, YEARLY, YEARLY, "x")
    with pytest.raises(contracts.ContractViolation) as in_polars:
        contracts.validate(YEARLY, frame, "x")
    with pytest.raises(contracts.ContractViolation) as key_only:
        contracts.check_key(YEARLY, frame, "x")
    key = "primary key (country_iso3=KGZ, partner_iso3=RUS"
    assert key in str(in_duckdb.value) and key in str(in_polars.value)
    assert key in str(key_only.value)


def test_parts_are_appended_to_the_union_and_counted(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    tables = build.BuildTables(connection)
    parts = iter([rows().head(2), rows().tail(1)])
    written = tables.add(TRADE, parts, lineage(), "step trade")
    assert written == 3 and tables.rows(TRADE) == 3
    assert tables.appended == [TRADE]
    stored = connection.sql(f"SELECT * FROM {YEARLY}").pl()
    assert stored.sort("measure", "partner_iso3").equals(rows().sort("measure", "partner_iso3"))
    assert dependence_step.finish(connection, "step trade") == 3


def test_a_repeated_key_inside_a_part_fails(connection: duckdb.DuckDBPyConnection) -> None:
    tables = build.BuildTables(connection)
    part = rows(partner_iso3=["RUS", "RUS", None])
    with pytest.raises(contracts.ContractViolation, match=r"out_dependence__trade from step trade"):
        tables.add(TRADE, iter([part]), lineage(), "step trade")


def test_a_measure_in_two_parts_fails(connection: duckdb.DuckDBPyConnection) -> None:
    """Parts with one measure each are unique together only if no measure comes twice."""
    tables = build.BuildTables(connection)
    first, second = rows().head(1), rows().slice(1, 1)
    with pytest.raises(
        contracts.ContractViolation, match="measure .total_share. with method .chosen. comes in two"
    ):
        tables.add(TRADE, iter([first, second]), lineage(), "step trade")


def test_one_measure_in_two_parts_of_different_methods_is_kept(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    """The trade step writes its shares method by method: the key's method keeps them apart."""
    tables = build.BuildTables(connection)
    reporter = rows(method=["reporter"] * 3)
    assert tables.add(TRADE, iter([reporter, rows()]), lineage(), "step trade") == 6
    assert dependence_step.finish(connection, "step trade") == 6


def test_a_part_of_another_dimension_fails(connection: duckdb.DuckDBPyConnection) -> None:
    tables = build.BuildTables(connection)
    part = rows(dimension=["trade", "aid", "trade"])
    with pytest.raises(contracts.ContractViolation, match="dimension 'aid'"):
        tables.add(TRADE, iter([part]), lineage(), "step trade")


def test_a_wrong_unit_in_a_part_fails_when_the_union_is_validated(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    state = build.BuildState(build.BuildTables(connection))
    part = rows(unit=["share", "US$", "index 1/N..1"])
    state.tables.add(TRADE, iter([part]), lineage(), "step trade")
    with pytest.raises(contracts.ContractViolation) as error:
        build.run_dependence(state, lambda _m: None)
    assert str(error.value).startswith(f"{YEARLY} from step trade: measure 'total_share'")
    assert "country_iso3=KGZ, partner_iso3=CHN" in str(error.value)


def test_a_reused_table_with_the_wrong_shape_fails(tmp_path: Path) -> None:
    """A table copied from the previous warehouse is checked against its contract's columns."""
    previous = tmp_path / "previous.duckdb"
    inflows = "core_knomad__remittance_inflows"
    with duckdb.connect(str(previous)) as old:
        # the live shape of issue 12: receiver_iso3 where the contract says country_iso3
        old.execute(
            f"CREATE TABLE {inflows} AS SELECT 'KGZ' AS receiver_iso3, 2021::INTEGER AS year, "
            "2.7e9::DOUBLE AS remittances_usd, false AS is_estimate"
        )
    with duckdb.connect(":memory:") as connection:
        reuse.attach_previous(connection, previous)
        state = build.BuildState(build.BuildTables(connection))
        source = reuse.PreviousSource("knomad", (inflows,), (), "key", "code")
        with pytest.raises(contracts.ContractViolation) as error:
            build.reuse_source(state, source, lambda _m: None)
    message = str(error.value)
    assert message.startswith(f"{inflows} from the previous warehouse: column 'country_iso3'")


def test_a_reused_table_of_the_right_shape_is_registered(tmp_path: Path) -> None:
    previous = tmp_path / "previous.duckdb"
    inflows = "core_knomad__remittance_inflows"
    with duckdb.connect(str(previous)) as old:
        old.execute(
            f"CREATE TABLE {inflows} AS SELECT 'KGZ' AS country_iso3, 2021::INTEGER AS year, "
            "2.7e9::DOUBLE AS remittances_usd, false AS is_estimate"
        )
    with duckdb.connect(":memory:") as connection:
        reuse.attach_previous(connection, previous)
        state = build.BuildState(build.BuildTables(connection))
        build.reuse_source(state, reuse.PreviousSource("knomad", (inflows,), (), "k", "c"), print)
        assert state.tables.rows(inflows) == 1
        assert state.steps[0]["reused"] is True


def index_inputs() -> dict[str, pl.DataFrame]:
    """Dependence rows with partners inside and outside the powers, and agreement rows."""
    dependence = pl.concat(
        [
            rows(partner_iso3=["RUS", "CHN", None]),
            rows(partner_iso3=["DEU", "BRA", None], measure=["total_share"] * 2 + ["total_hhi"]),
            rows(
                country_iso3=["KAZ"] * 3,
                partner_iso3=["RUS", "USA", "RUS"],
                year=[2019, 1970, 2020],
                measure=["total_share", "total_share", "export_share"],
            ),
        ]
    ).unique(subset=["country_iso3", "partner_iso3", "year", "measure"], keep="first")
    agreement = pl.DataFrame(
        {
            "country_iso3": ["KGZ", "KGZ", "KAZ", "BRA", "KGZ"],
            "partner_iso3": ["RUS", "USA", "RUS", "ARG", "RUS"],
            "year": [2021, 2021, 2021, 2021, 1970],
            "issue": ["all", "all", "all", "all", "all"],
            "agreement": [0.9, 0.4, 0.8, 0.7, 0.5],
        },
        schema_overrides={"year": pl.Int32},
    )
    return {"out_dependence__yearly": dependence, index_step.ALIGNMENT: agreement}


def test_index_from_pushed_down_reads_equals_index_from_whole_tables(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    inputs = index_inputs()
    for name, frame in inputs.items():
        store(connection, frame, name)
    reads = index_step.reads()
    assert set(reads) == set(inputs)
    queried = {name: connection.sql(reads[name].sql(name)).pl() for name in inputs}
    assert queried["out_dependence__yearly"].height < inputs["out_dependence__yearly"].height
    assert "BRA" not in queried["out_dependence__yearly"]["partner_iso3"].to_list()
    whole = index_step.compute(inputs)[index_step.OUTPUT]
    pushed = index_step.compute(queried)[index_step.OUTPUT]
    assert whole.height > 0
    assert pushed.equals(whole)


def test_the_build_hands_a_step_only_its_reads(connection: duckdb.DuckDBPyConnection) -> None:
    tables = build.BuildTables(connection)
    frame = rows()
    store(connection, frame)
    tables.add_existing(YEARLY, warehouse.TableLineage(frame.height, "step dependence", "x"))
    step = build.DerivedStep(
        "probe",
        (YEARLY,),
        lambda t: {},
        reads=lambda: {YEARLY: Read(("country_iso3", "value"), "partner_iso3 IS NOT NULL")},
    )
    given = build.step_inputs(step, tables)
    assert given[YEARLY].columns == ["country_iso3", "value"]
    assert given[YEARLY].height == 2
