"""The IMF connector and the SDMX reader on the IMF data portal's real StructureSpecificData.

Specimens: ``../shared/specimens/imf_sdmx/IMF_RES_WEO-data.xml`` (a real answer of
api.imf.org, dataflow ``IMF.RES:WEO(9.0.0)``, prepared 2026-04-02) and
``IMF_RES_WEO-structure.xml`` (its structure message), from ``khaeru/sdmx-test-data``, the
specimen collection of sdmx1. Data © IMF, all rights reserved (World Economic Outlook).
No real IMTS answer exists; the IMTS answers here are synthetic in the real layout
(``tests/fixtures/http/imf/README.md``).
"""

from __future__ import annotations

import httpx
import polars as pl
import pytest
import respx
from conftest import fixture_bytes, specimen_path

from autonomy_monitor.errors import BadInput
from autonomy_monitor.pipeline import fetch
from autonomy_monitor.pipeline.rawstore import describe_store
from autonomy_monitor.sources.imf import bulk
from autonomy_monitor.sources.live_common import read_sdmx_frame

FOLDER = "imf_sdmx"
IMTS = r"https://api\.imf\.org/external/sdmx/2\.1/data/IMF\.STA,IMTS/.*"


def _client(sleeps):
    return fetch.make_client([], sleep=sleeps, jitter=lambda: 0.0)


def test_real_structure_specific_answer_is_read_as_sent(specimens):
    """Groups, series attributes and data-set attributes of the real answer; the value is in
    plain units (94,669,000,000 national currency) although the series says SCALE="9"."""
    path = specimen_path(specimens, FOLDER, "IMF_RES_WEO-data.xml")
    frame = read_sdmx_frame(path, "the WEO specimen")
    assert frame.height == 1
    row = frame.row(0, named=True)
    assert {k: row[k] for k in ("COUNTRY", "INDICATOR", "FREQUENCY", "TIME_PERIOD", "SCALE")} == {
        "COUNTRY": "SVK",
        "INDICATOR": "NGDP_R",
        "FREQUENCY": "A",
        "TIME_PERIOD": "2018",
        "SCALE": "9",
    }
    assert row["value"] == 94_669_000_000.0


def test_reading_without_the_structure_matches_reading_with_it(specimens):
    """The connector reads answers without fetching the structure message; on the real answer
    that gives the same key and value as sdmx1 with the real structure."""
    import sdmx

    structure = sdmx.read_sdmx(specimen_path(specimens, FOLDER, "IMF_RES_WEO-structure.xml"))
    dsd = structure.structure["DSD_WEO"]
    assert [d.id for d in dsd.dimensions] == ["COUNTRY", "INDICATOR", "FREQUENCY", "TIME_PERIOD"]
    message = sdmx.read_sdmx(
        specimen_path(specimens, FOLDER, "IMF_RES_WEO-data.xml"), structure=dsd
    )
    with_structure = sdmx.to_pandas(message.data[0]).reset_index()
    without = read_sdmx_frame(specimen_path(specimens, FOLDER, "IMF_RES_WEO-data.xml"), "WEO")
    for column in ("COUNTRY", "INDICATOR", "FREQUENCY", "TIME_PERIOD"):
        assert without[column].to_list() == with_structure[column].astype(str).to_list()
    assert without["value"].to_list() == with_structure["value"].to_list()


@respx.mock
def test_real_answer_of_another_dataflow_is_one_clear_error(settings, sleeps, specimens):
    """A real portal answer without COUNTERPART_COUNTRY (WEO, not IMTS) is refused by name,
    and nothing is recorded."""
    body = specimen_path(specimens, FOLDER, "IMF_RES_WEO-data.xml").read_bytes()
    respx.get(url__regex=IMTS).mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(BadInput, match="lacks column\\(s\\) COUNTERPART_COUNTRY"):
        fetch.fetch_sources(settings, "imf", client=_client(sleeps))
    assert describe_store(settings).is_empty()


@respx.mock
def test_imts_answers_become_the_bulk_table(settings, sleeps):
    def answer(request: httpx.Request) -> httpx.Response:
        name = (
            "synthetic_imts_exports.xml"
            if "XG_FOB_USD" in request.url.path
            else "synthetic_imts_imports.xml"
        )
        return httpx.Response(200, content=fixture_bytes("imf", name))

    route = respx.get(url__regex=IMTS).mock(side_effect=answer)
    fetch.fetch_sources(settings, "imf", since=2022, client=_client(sleeps))
    request = route.calls[0].request
    assert request.url.path.endswith(
        "/KAZ+KGZ+TJK+TKM+UZB+CHN+RUS+JPN+USA+KOR+TUR+DEU.XG_FOB_USD..A"
    )
    assert "structurespecificdata" in request.headers["Accept"]
    result = fetch.load_live(settings, "imf")
    table = result.tables["core_imf__yearly_bilateral_trade"]
    assert table.schema == pl.Schema(bulk.CORE_SCHEMA)
    assert set(table["flow"]) == {"export", "import"}  # as in the bulk DOTS table
    assert not table["is_mirror"].any()  # the trade step derives the mirror view
    assert "G001" not in set(table["partner_iso3"])
    kgz_chn = table.filter(
        (pl.col("reporter_iso3") == "KGZ")
        & (pl.col("partner_iso3") == "CHN")
        & (pl.col("year") == 2023)
    )
    # 98 million as sent: SCALE="6" is not applied.
    assert kgz_chn.select("flow", "value_usd").sort("flow").rows() == [
        ("export", 98e6),
        ("import", 98e6),
    ]
    assert table.filter(pl.col("year") == 2024).is_empty()  # NaN
    reasons = {k for r in result.inputs for k in r.reject_reasons}
    assert reasons == {
        "empty observation (NaN)",
        "reporter or counterpart outside the country dimension (G001 world, areas)",
    }


@respx.mock
def test_no_results_is_an_empty_table(settings, sleeps):
    respx.get(url__regex=IMTS).mock(
        return_value=httpx.Response(404, content=fixture_bytes("imf", "no_results.xml"))
    )
    fetch.fetch_sources(settings, "imf", client=_client(sleeps))
    table = fetch.load_live(settings, "imf").tables["core_imf__yearly_bilateral_trade"]
    assert table.is_empty() and table.schema == pl.Schema(bulk.CORE_SCHEMA)
