"""Table contracts: every table declared once in catalog/tables/, frames validated with pandera."""

from __future__ import annotations

import polars as pl
import pytest

from autonomy_monitor import catalog
from autonomy_monitor.catalog import contracts, tables
from autonomy_monitor.pipeline import build

INFLOWS = "core_knomad__remittance_inflows"


def inflows(**overrides) -> pl.DataFrame:
    data = {
        "country_iso3": ["KGZ", "TJK"],
        "year": [2021, 2021],
        "remittances_usd": [2.7e9, 2.9e9],
        "is_estimate": [False, False],
    }
    data.update(overrides)
    return pl.DataFrame(
        data,
        schema={
            "country_iso3": pl.String,
            "year": pl.Int32,
            "remittances_usd": pl.Float64,
            "is_estimate": pl.Boolean,
        },
    )


def dependence(**overrides) -> pl.DataFrame:
    data = {
        "country_iso3": ["KGZ", "KGZ"],
        "partner_iso3": ["RUS", None],
        "year": [2021, 2021],
        "dimension": ["remittances", "remittances"],
        "measure": ["remittance_share", "remittance_sender_hhi"],
        "value": [0.8, 0.7],
        "unit": ["share", "index 1/N..1"],
        "method": ["m", "m"],
        "source": ["s", "s"],
        "flag": [None, None],
    }
    data.update(overrides)
    schema = {c: pl.String for c in data} | {"year": pl.Int32, "value": pl.Float64}
    return pl.DataFrame(data, schema=schema)


def test_every_contract_loads_and_names_its_file() -> None:
    entries = tables.load_tables()
    assert len(entries) >= 30
    for entry in entries:
        assert entry.primary_key and entry.columns, entry.name
        assert entry.produced_by.sources or entry.produced_by.steps, entry.name
        assert all(c.description and c.unit for c in entry.columns), entry.name


def test_producers_exist() -> None:
    sources = set(catalog.source_names())
    steps = {s.name for s in build.DERIVED_STEPS} | {build.DEPENDENCE_STEP, "build", "products"}
    for entry in tables.load_tables():
        assert set(entry.produced_by.sources) <= sources, entry.name
        assert set(entry.produced_by.steps) <= steps, entry.name


def test_valid_frame_passes_unchanged() -> None:
    frame = inflows()
    assert contracts.validate(INFLOWS, frame, origin="migration/x.csv") is frame


def test_duplicate_key_names_table_file_and_key() -> None:
    frame = inflows(country_iso3=["KGZ", "KGZ"])
    with pytest.raises(contracts.ContractViolation) as error:
        contracts.validate(
            INFLOWS, frame, origin="migration/knomad_remittance_inflows_2000_2023.csv"
        )
    message = str(error.value)
    assert message.count(".") >= 1 and "\n" not in message
    assert INFLOWS in message and "knomad_remittance_inflows_2000_2023.csv" in message
    assert "primary key (country_iso3=KGZ, year=2021)" in message and "2 rows" in message


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (inflows().drop("is_estimate"), "column 'is_estimate' is missing"),
        (inflows().with_columns(pl.lit(1).alias("extra")), "column 'extra' is not in the contract"),
        (
            inflows().with_columns(pl.col("year").cast(pl.Int64)),
            "column 'year' has type Int64 where the contract says int32",
        ),
        (inflows(remittances_usd=[-1.0, 2.0]), "remittances_usd"),
        (inflows(country_iso3=["KGZ", None]), "column 'country_iso3' is empty"),
    ],
)
def test_shape_faults_fail_with_one_sentence(frame: pl.DataFrame, expected: str) -> None:
    with pytest.raises(contracts.ContractViolation) as error:
        contracts.validate(INFLOWS, frame, origin="migration/inflows.csv")
    assert expected in str(error.value) and "migration/inflows.csv" in str(error.value)


def test_unit_must_be_the_catalogs() -> None:
    contracts.validate("out_dependence__remittances", dependence(), origin="step remittances")
    with pytest.raises(
        contracts.ContractViolation, match="unit 'US\\$' where the catalog says 'share'"
    ):
        contracts.validate(
            "out_dependence__remittances",
            dependence(unit=["US$", "index 1/N..1"]),
            origin="step remittances",
        )


def test_uncatalogued_measure_fails() -> None:
    frame = dependence(measure=["remittance_share", "made_up_measure"])
    with pytest.raises(
        contracts.ContractViolation, match="measure 'made_up_measure'.*no indicator entry"
    ):
        contracts.validate("out_dependence__remittances", frame, origin="step remittances")


def test_unit_by_method_overrides_the_default() -> None:
    frame = dependence(
        dimension=["finance"] * 2,
        measure=["chinese_commitments_usd"] * 2,
        partner_iso3=["CHN", "CHN"],
        method=["gcdf3_adjusted_commitments_deflated", "gcdf3_adjusted_commitments_constant_2021"],
        unit=["current US$", "constant 2021 US$"],
        year=[2020, 2021],
    )
    contracts.validate("out_dependence__finance", frame, origin="step finance")


def test_unknown_table_says_where_to_declare_it() -> None:
    with pytest.raises(catalog.BadInput, match="catalog/tables/core_nobody__nothing.yaml"):
        contracts.validate("core_nobody__nothing", inflows(), origin="x")


def test_duplicated_keys_finds_every_repeated_key() -> None:
    frame = pl.DataFrame({"a": [1, 2, 1, 3, 3, 3], "b": ["x", "y", "x", "z", "z", "z"]})
    repeated = contracts.duplicated_keys(frame, ["a", "b"])
    assert repeated.rows() == [(1, "x", 2), (3, "z", 3)]


def test_indicator_functions_resolve() -> None:
    import importlib

    for entry in catalog.load_indicators():
        if entry.function is None:
            continue
        module, _, name = entry.function.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name, None)), (
            f"{entry.name}: {entry.function}"
        )


def test_lineage_frame_holds_lists() -> None:
    from autonomy_monitor.pipeline import warehouse

    lineage = {"t": warehouse.TableLineage(3, "source x", "m.f", (), ("a/b.csv",), ("abc",))}
    frame = warehouse.lineage_frame(lineage)
    contracts.validate("meta_lineage__tables", frame, origin="build")
    assert frame["input_files"].to_list() == [["a/b.csv"]]


@pytest.mark.shared_data
@pytest.mark.slow
def test_every_table_of_every_producer_satisfies_its_contract(shared_data, tmp_path) -> None:
    """Every source and derived step (except the UN-vote ones, covered by their own tests) on the
    real data: each table it writes has a contract naming that producer and satisfied it (the
    build validates every frame before writing it), so every output measure has a catalog entry
    with the unit the table carries."""
    import duckdb

    from autonomy_monitor.settings import Settings

    settings = Settings(warehouse=tmp_path / "warehouse.duckdb", snapshot_store=tmp_path / "store")
    build.build_warehouse(
        settings,
        shared_data,
        sources=[s.name for s in build.SOURCE_STEPS if s.name != "unga"],
        fresh=True,
    )
    measures_seen = set()
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        producers = dict(
            connection.execute("SELECT table_name, producer FROM meta_lineage__tables").fetchall()
        )
        for name, producer in producers.items():
            entry = tables.load_table(name)
            kind, _, who = producer.partition(" ")
            declared = entry.produced_by.sources if kind == "source" else entry.produced_by.steps
            assert (
                who in declared
                or (kind == "source" and f"{who}_bulk" in declared)
                or (kind == "source" and who == "imf" and "imf_dots" in declared)
            ), f"{name} is made by {producer}"
            if entry.measures_from_catalog:
                measures_seen |= {
                    row[0]
                    for row in connection.execute(
                        f'SELECT DISTINCT measure FROM "{name}"'
                    ).fetchall()
                }
    catalogued = {e.name for e in catalog.load_indicators()}
    assert measures_seen and measures_seen <= catalogued, sorted(measures_seen - catalogued)
