"""Integration: the trade sources and step on the real data in ../shared/data (skipped when
absent)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor import countries
from autonomy_monitor.sources.imf import bulk as imf
from autonomy_monitor.sources.trade_recent import bulk as recent
from autonomy_monitor.sources.wdi import bulk as wdi
from autonomy_monitor.pipeline.steps import trade_step

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def loaded(shared_data: Path) -> dict[str, object]:
    results = [imf.load(shared_data), recent.load(shared_data), wdi.load(shared_data)]
    tables: dict[str, pl.DataFrame] = {}
    for result in results:
        tables.update(result.tables)
        tables.update(result.checks)
    return {"tables": tables, "inputs": [r for result in results for r in result.inputs]}


@pytest.fixture(scope="module")
def outputs(loaded: dict[str, object]) -> dict[str, pl.DataFrame]:
    return trade_step.compute(loaded["tables"])  # type: ignore[arg-type]


def cell(frame: pl.DataFrame, reporter: str, partner: str, year: int, flow: str) -> dict:
    rows = frame.filter(
        (pl.col("reporter_iso3") == reporter)
        & (pl.col("partner_iso3") == partner)
        & (pl.col("year") == year)
        & (pl.col("flow") == flow)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def test_provenance_accounts_for_every_row(loaded: dict[str, object]) -> None:
    for record in loaded["inputs"]:  # type: ignore[union-attr]
        assert record.rows_kept + record.rows_rejected == record.rows_read, record.file
    dots = next(r for r in loaded["inputs"] if r.file.endswith(imf.DATA_FILE))  # type: ignore[union-attr]
    assert dots.rows_read == 2_431_413
    assert dots.reject_reasons["aggregate reporter (World, regions, groups)"] > 0


def test_no_aggregate_is_ever_a_partner(loaded: dict[str, object]) -> None:
    known = countries.known_codes()
    for name in (imf.CORE_TABLE, recent.CORE_TABLE):
        table = loaded["tables"][name]  # type: ignore[index]
        assert set(table["partner_iso3"]) <= known and set(table["reporter_iso3"]) <= known


def test_sources_md_checks_dots(outputs: dict[str, pl.DataFrame]) -> None:
    both = outputs[trade_step.BOTH_TABLE]
    kaz = cell(both, "KAZ", "CHN", 2020, "export")
    assert kaz["reporter_value_usd"] / 1e6 == pytest.approx(9004, abs=1)
    kgz = cell(both, "KGZ", "CHN", 2020, "import")
    assert kgz["reporter_value_usd"] / 1e6 == pytest.approx(737, abs=1)
    assert kgz["mirror_value_usd"] / 1e6 == pytest.approx(2876, abs=1)
    assert kgz["chosen_view"] == "reporter"


def test_turkmenistan_is_covered_by_the_mirror_and_flagged(
    outputs: dict[str, pl.DataFrame],
) -> None:
    row = cell(outputs[trade_step.BOTH_TABLE], "TKM", "CHN", 2020, "export")
    assert (
        row["chosen_view"] == "mirror"
        and "mirror_used" in row["flag"]
        and "reporter_imf_estimate" in row["flag"]
    )
    out = outputs[trade_step.OUT_TABLE]
    shares = out.filter(
        (pl.col("country_iso3") == "TKM")
        & (pl.col("partner_iso3") == "CHN")
        & (pl.col("year") == 2020)
        & (pl.col("measure") == "export_share")
    )
    assert set(shares["method"]) == {"reporter", "mirror", "chosen"}
    chosen = shares.filter(pl.col("method") == "chosen").row(0, named=True)
    assert 0.5 < chosen["value"] <= 1 and "mirror_used" in chosen["flag"]


def test_sources_md_checks_recent(
    outputs: dict[str, pl.DataFrame], loaded: dict[str, object]
) -> None:
    both = outputs[trade_step.BOTH_TABLE]
    assert cell(both, "KGZ", "RUS", 2022, "export")["reporter_value_usd"] / 1e6 == pytest.approx(
        1070, abs=1
    )
    assert cell(both, "KAZ", "RUS", 2021, "import")["reporter_value_usd"] / 1e6 == pytest.approx(
        17606, abs=1
    )
    assert cell(both, "KAZ", "RUS", 2021, "import")["mirror_value_usd"] / 1e6 == pytest.approx(
        18495, abs=1
    )
    qa = loaded["tables"][recent.QA_TABLE]  # type: ignore[index]
    assert qa.height > 0 and qa["ratio"].is_between(0.999, 1.001).all()


def test_shares_sum_to_one_and_hhi_in_range(outputs: dict[str, pl.DataFrame]) -> None:
    """Shares of the partner sum add up to 1; shares of a reported total to at most 1."""
    out = outputs[trade_step.OUT_TABLE]
    shares = out.filter(
        pl.col("measure").str.ends_with("_share") & (pl.col("measure") != "exposure_share")
    )
    of_total = pl.col("flag").str.contains(trade_step.REPORTED_TOTAL).fill_null(False)
    sums = shares.group_by("country_iso3", "year", "measure", "method").agg(
        pl.col("value").sum(), of_total.any().alias("of_total")
    )
    assert (sums.filter(~pl.col("of_total"))["value"] - 1).abs().max() < 1e-6
    assert sums.filter(pl.col("of_total"))["value"].is_between(0, 1 + 1e-9).all()
    hhi = out.filter(pl.col("measure").str.ends_with("_hhi"))
    assert (
        hhi["value"].is_between(0, 1 + 1e-9).all()
        and hhi["partner_iso3"].null_count() == hhi.height
    )


def test_mirror_gaps_include_kyrgyzstan_china(outputs: dict[str, pl.DataFrame]) -> None:
    gaps = outputs[trade_step.GAPS_TABLE]
    row = cell(gaps, "KGZ", "CHN", 2020, "import")
    assert 3.5 < row["ratio"] < 4.5
    assert "press:GACC" in cell(gaps, "KGZ", "CHN", 2023, "import")["source"]


def test_turkmenistan_without_any_own_figures_gets_mirror_shares(
    outputs: dict[str, pl.DataFrame],
) -> None:
    out = outputs[trade_step.OUT_TABLE]
    early = out.filter(
        (pl.col("country_iso3") == "TKM")
        & (pl.col("year") == 1993)
        & (pl.col("measure") == "export_share")
    )
    assert set(early["method"]) == {"mirror", "chosen"}  # TKM reported nothing for 1992–1994
    chosen = early.filter(pl.col("method") == "chosen")
    assert (chosen["flag"] == "mirror_used").all() and abs(chosen["value"].sum() - 1) < 1e-9


def test_uzbekistan_shares_are_of_its_reported_total(outputs: dict[str, pl.DataFrame]) -> None:
    """Issue 11 item 6: stat.uz reports China 21.9 % and Russia 15.8 % of US$ 62.6 bn (2023);
    the partner rows leave out gold, so shares of the partner sum would be 26.6 % / 19.5 %."""
    out = outputs[trade_step.OUT_TABLE].filter(
        (pl.col("country_iso3") == "UZB")
        & (pl.col("year") == 2023)
        & (pl.col("method") == "chosen")
    )
    share = {
        p: v
        for p, v, m in out.select("partner_iso3", "value", "measure").iter_rows()
        if m == "total_share"
    }
    assert share["CHN"] == pytest.approx(0.219, abs=0.005)
    assert share["RUS"] == pytest.approx(0.158, abs=0.005)
    flags = out.filter(
        (pl.col("measure") == "total_share") & pl.col("partner_iso3").is_in(["CHN", "RUS"])
    )["flag"]
    assert flags.str.contains(trade_step.REPORTED_TOTAL).all()
    denominator = out.filter(pl.col("measure") == "total_denominator_usd").row(0, named=True)
    assert (
        denominator["value"] / 1e9 == pytest.approx(63.5, abs=0.1)
        and "UZ Stat" in denominator["source"]
    )
