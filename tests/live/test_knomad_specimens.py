"""The KNOMAD connector on the publisher's own workbooks.

Specimens (``../shared/specimens/knomad_xlsx/``, World Bank / KNOMAD, CC BY 4.0, unmodified):
``bilateral_remittance_matrix_2021_0.xlsx`` (KNOMAD/World Bank Bilateral Remittance Matrix
2021, December 2022) and ``inward_remittance_flows_december_2023_1.xlsx`` (World Bank-KNOMAD
remittance inflows, December 2023). Served through a mocked HTTP layer, so the bytes go
through the client, the xlsx check, the raw store and the parser exactly as fetched.
"""

from __future__ import annotations

import io

import httpx
import polars as pl
import pytest
import respx
from conftest import specimen_path

from autonomy_monitor.catalog import load_source
from autonomy_monitor.errors import BadInput
from autonomy_monitor.pipeline import fetch
from autonomy_monitor.pipeline.rawstore import describe_store
from autonomy_monitor.sources.knomad import bulk

FOLDER = "knomad_xlsx"
MATRIX = "bilateral_remittance_matrix_2021_0.xlsx"
INFLOWS = "inward_remittance_flows_december_2023_1.xlsx"


@pytest.fixture
def workbooks(specimens) -> dict[str, bytes]:
    return {
        "matrix": specimen_path(specimens, FOLDER, MATRIX).read_bytes(),
        "inflows": specimen_path(specimens, FOLDER, INFLOWS).read_bytes(),
    }


def _serve(workbooks: dict[str, bytes]) -> None:
    parameters = load_source("knomad").parameters
    for resource, body in workbooks.items():
        respx.get(parameters[f"{resource}_url"]).mock(
            return_value=httpx.Response(200, content=body)
        )


def _client(sleeps):
    return fetch.make_client([], sleep=sleeps, jitter=lambda: 0.0)


@respx.mock
def test_real_workbooks_give_the_bulk_tables_shape_and_values(settings, sleeps, workbooks):
    _serve(workbooks)
    (manifest,) = fetch.fetch_sources(settings, "knomad", client=_client(sleeps))
    assert manifest.vintage == load_source("knomad").release
    result = fetch.load_live(settings, "knomad")
    matrix = result.tables["core_knomad__bilateral_remittances"]
    inflows = result.tables["core_knomad__remittance_inflows"]
    # The bulk reader's columns: `matrix` label, and `country_iso3` (not receiver_iso3).
    assert matrix.columns == ["sender_iso3", "receiver_iso3", "year", "remittances_usd", "matrix"]
    assert inflows.columns == ["country_iso3", "year", "remittances_usd", "is_estimate"]
    assert matrix["matrix"].unique().to_list() == [
        bulk.MATRIX_FILES["knomad_bilateral_remittances_2021.csv"]
    ]
    # Sheet "FINAL BRM 2021 " (trailing space) and the padded header cell were found.
    rus_kgz = matrix.filter((pl.col("sender_iso3") == "RUS") & (pl.col("receiver_iso3") == "KGZ"))
    assert rus_kgz["remittances_usd"].item() == pytest.approx(2_017_523_691.1, rel=1e-9)
    assert not matrix["sender_iso3"].is_in(["WLD"]).any()  # the WORLD row and column are totals
    # '2023e' is an estimate; '% of GDP in 2023' is not a year.
    assert inflows.filter((pl.col("country_iso3") == "KGZ") & (pl.col("year") == 2023)).rows() == [
        ("KGZ", 2023, 2.6e9, True)
    ]
    assert inflows["year"].max() == 2023
    # Annotated names resolve: "Israel (using CB data)", "Zimbabwe (using CB data for 2021 & 2022)".
    assert {"ISR", "ZWE"} <= set(inflows["country_iso3"])
    # The empty Turkmenistan row gives no rows; zeros (Afghanistan 2000) are "not reported".
    assert "TKM" not in set(inflows["country_iso3"])
    assert inflows.filter((pl.col("country_iso3") == "AFG") & (pl.col("year") == 2000)).is_empty()
    reasons = {r.file.split(" [")[1].split(",")[0]: r.reject_reasons for r in result.inputs}
    assert reasons["inflows"]["zero or empty inflow: the workbook's blank, not reported"] > 0
    assert any("Turkmenistan" in reason for reason in reasons["inflows"])


@respx.mock
def test_live_workbooks_equal_the_staged_bulk_csvs(settings, sleeps, workbooks, shared_data):
    """The staged CSVs in ../shared/data/migration/ were made from these very workbooks: the
    live connector and the bulk reader must give identical tables."""
    _serve(workbooks)
    fetch.fetch_sources(settings, "knomad", client=_client(sleeps))
    live = fetch.load_live(settings, "knomad").tables
    folder = shared_data / "migration"
    records: list = []
    name = "knomad_bilateral_remittances_2021.csv"
    bulk_matrix = bulk.read_matrix(folder / name, bulk.MATRIX_FILES[name], records)
    bulk_inflows = bulk.read_inflows(folder / bulk.INFLOW_FILE, records)
    key = ["sender_iso3", "receiver_iso3"]
    assert live["core_knomad__bilateral_remittances"].sort(key).equals(bulk_matrix.sort(key))
    live_inflows = live["core_knomad__remittance_inflows"]
    assert live_inflows.sort("country_iso3", "year").equals(
        bulk_inflows.sort("country_iso3", "year")
    )


def _with_extra_sender(matrix: bytes, name: str) -> bytes:
    """The real matrix with one more sender row appended (changed at test time, not stored)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(matrix))
    sheet = book.worksheets[0]
    sheet.insert_rows(4)
    sheet.cell(row=4, column=1, value=name)
    sheet.cell(row=4, column=2, value=12.5)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@respx.mock
def test_unknown_country_name_is_listed_and_nothing_is_recorded(settings, sleeps, workbooks):
    _serve({**workbooks, "matrix": _with_extra_sender(workbooks["matrix"], "Atlantis")})
    with pytest.raises(BadInput, match="'Atlantis'"):
        fetch.fetch_sources(settings, "knomad", client=_client(sleeps))
    assert describe_store(settings).is_empty()


def test_non_xlsx_body_is_retried(settings, sleeps):
    with respx.mock:
        respx.get(url__regex=r"https://www\.knomad\.org/.*").mock(
            return_value=httpx.Response(200, content=b"not a zip")
        )
        with pytest.raises(Exception, match="not an xlsx"):
            fetch.fetch_sources(settings, "knomad", client=_client(sleeps))
