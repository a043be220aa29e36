"""Contract tests of the trade step and indicators on tiny synthetic core tables."""

from __future__ import annotations

import math

import polars as pl
import pytest

from autonomy_monitor.indicators import trade
from autonomy_monitor.indicators.shares import OUTPUT_SCHEMA
from autonomy_monitor.pipeline.steps import trade_step


def imf_table(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema=["reporter_iso3", "partner_iso3", "year", "flow", "value_usd"], orient="row"
    )
    return frame.with_columns(pl.col("year").cast(pl.Int32), pl.lit(False).alias("is_mirror"))


def recent_table(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema=["reporter_iso3", "partner_iso3", "year", "flow", "value_usd", "source"],
        orient="row",
    )
    return frame.with_columns(pl.col("year").cast(pl.Int32))


# KGZ reports its imports from CHN; China reports four times as much. TKM reports nothing in 2020.
IMF_ROWS = [
    ("KGZ", "CHN", 2020, "import", 700.0e6),
    ("CHN", "KGZ", 2020, "export", 2800.0e6),
    ("KGZ", "RUS", 2020, "import", 1300.0e6),
    ("RUS", "KGZ", 2020, "export", 1400.0e6),
    ("KGZ", "RUS", 2020, "export", 240.0e6),
    ("KGZ", "CHN", 2020, "export", 40.0e6),
    ("CHN", "TKM", 2020, "import", 6000.0e6),
    ("RUS", "TKM", 2020, "import", 300.0e6),
    ("TKM", "CHN", 2019, "export", 0.0),
]
RECENT_ROWS = [
    ("KGZ", "CHN", 2023, "import", 5300.0e6, "KG NSC"),
    ("KGZ", "RUS", 2023, "import", 2200.0e6, "KG NSC"),
    ("KGZ", "CHN", 2020, "import", 1.0, "KG NSC"),  # a DOTS year: ignored
    ("CHN", "KGZ", 2023, "export", 19700.0e6, "press:GACC"),
    ("CHN", "TKM", 2023, "import", 9600.0e6, "press:GACC"),
]
GDP = pl.DataFrame(
    {
        "country_iso3": ["KGZ", "CHN", "TKM"],
        "year": [2020, 2020, 2020],
        "indicator_code": ["NY.GDP.MKTP.CD"] * 3,
        "value": [7.0e9, 14.0e12, 45.0e9],
    }
)


@pytest.fixture(scope="module")
def outputs() -> dict[str, pl.DataFrame]:
    tables = {
        trade_step.IMF_TABLE: imf_table(IMF_ROWS),
        trade_step.RECENT_TABLE: recent_table(RECENT_ROWS),
        trade_step.WDI_TABLE: GDP,
    }
    return trade_step.compute(tables)


def cell(frame: pl.DataFrame, reporter: str, partner: str, year: int, flow: str) -> dict:
    rows = frame.filter(
        (pl.col("reporter_iso3") == reporter)
        & (pl.col("partner_iso3") == partner)
        & (pl.col("year") == year)
        & (pl.col("flow") == flow)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def measure(
    frame: pl.DataFrame, country: str, partner: str | None, year: int, name: str, method: str
) -> dict:
    partner_filter = (
        pl.col("partner_iso3").is_null() if partner is None else pl.col("partner_iso3") == partner
    )
    rows = frame.filter(
        (pl.col("country_iso3") == country)
        & partner_filter
        & (pl.col("year") == year)
        & (pl.col("measure") == name)
        & (pl.col("method") == method)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_output_schemas(outputs: dict[str, pl.DataFrame]) -> None:
    assert outputs[trade_step.OUT_TABLE].schema == pl.Schema(OUTPUT_SCHEMA)
    assert outputs[trade_step.BOTH_TABLE].columns == trade_step.BOTH_COLUMNS
    assert outputs[trade_step.GAPS_TABLE].columns == [
        *trade.KEY,
        "reporter_value_usd",
        "mirror_value_usd",
        "ratio",
        "log_gap",
        "source",
    ]
    assert set(outputs[trade_step.OUT_TABLE]["dimension"]) == {"trade"}


def test_reporter_view_kept_beside_the_mirror(outputs: dict[str, pl.DataFrame]) -> None:
    row = cell(outputs[trade_step.BOTH_TABLE], "KGZ", "CHN", 2020, "import")
    assert (row["reporter_value_usd"], row["mirror_value_usd"]) == (700.0e6, 2800.0e6)
    assert (
        row["chosen_view"] == "reporter"
        and row["chosen_value_usd"] == 700.0e6
        and row["flag"] is None
    )


def test_country_without_own_figures_is_covered_by_the_mirror_and_flagged(
    outputs: dict[str, pl.DataFrame],
) -> None:
    row = cell(outputs[trade_step.BOTH_TABLE], "TKM", "CHN", 2020, "export")
    assert row["reporter_value_usd"] is None and row["chosen_value_usd"] == 6000.0e6
    assert row["chosen_view"] == "mirror" and row["flag"] == "mirror_used"
    share = measure(outputs[trade_step.OUT_TABLE], "TKM", "CHN", 2020, "export_share", "mirror")
    assert share["value"] == pytest.approx(6000 / 6300)
    chosen = measure(outputs[trade_step.OUT_TABLE], "TKM", "CHN", 2020, "export_share", "chosen")
    assert chosen["value"] == pytest.approx(6000 / 6300) and chosen["flag"] == "mirror_used"
    assert (
        outputs[trade_step.OUT_TABLE]
        .filter(
            (pl.col("country_iso3") == "TKM")
            & (pl.col("method") == "reporter")
            & (pl.col("year") == 2020)
        )
        .is_empty()
    )


def test_zero_reported_value_falls_back_to_nothing_when_no_mirror(
    outputs: dict[str, pl.DataFrame],
) -> None:
    row = cell(outputs[trade_step.BOTH_TABLE], "TKM", "CHN", 2019, "export")
    assert row["chosen_view"] == "reporter" and row["chosen_value_usd"] == 0.0


def test_recent_years_official_first_press_flagged(outputs: dict[str, pl.DataFrame]) -> None:
    both = outputs[trade_step.BOTH_TABLE]
    kgz = cell(both, "KGZ", "CHN", 2023, "import")
    assert kgz["chosen_view"] == "reporter" and kgz["source"] == "KG NSC | press:GACC"
    tkm = cell(both, "TKM", "CHN", 2023, "export")
    assert tkm["chosen_value_usd"] == 9600.0e6 and tkm["flag"] == "mirror_used;press_reported"
    assert both.filter((pl.col("year") == 2020) & (pl.col("reporter_value_usd") == 1.0)).is_empty()


def test_shares_only_where_the_partner_breakdown_is_complete(
    outputs: dict[str, pl.DataFrame],
) -> None:
    out = outputs[trade_step.OUT_TABLE]
    kgz = measure(out, "KGZ", "CHN", 2023, "import_share", "chosen")
    assert kgz["value"] == pytest.approx(5300 / 7500) and kgz["source"] == "KG NSC"
    tkm_2023 = out.filter((pl.col("country_iso3") == "TKM") & (pl.col("year") == 2023))
    assert set(tkm_2023["measure"]) == {
        "export_usd"
    }  # amounts only, no shares from one press figure
    assert (
        measure(out, "TKM", "CHN", 2023, "export_usd", "chosen")["flag"]
        == "mirror_used;press_reported"
    )
    assert out.filter((pl.col("method") == "mirror") & (pl.col("year") == 2023)).is_empty()


def test_total_share_hhi_exposure_and_asymmetry(outputs: dict[str, pl.DataFrame]) -> None:
    out = outputs[trade_step.OUT_TABLE]
    total = measure(out, "KGZ", "CHN", 2020, "total_share", "reporter")
    assert total["value"] == pytest.approx(740 / 2280)
    hhi = measure(out, "KGZ", None, 2020, "import_hhi", "reporter")
    assert hhi["value"] == pytest.approx((700 / 2000) ** 2 + (1300 / 2000) ** 2)
    exposure = measure(out, "KGZ", "CHN", 2020, "exposure_share", "chosen")
    assert exposure["value"] == pytest.approx(740e6 / 7.0e9)
    reverse = (
        2840e6 / 14.0e12
    )  # CHN's chosen trade with KGZ: exports 2800 (own) + imports 40 (mirror)
    asym = measure(out, "KGZ", "CHN", 2020, "asymmetry", "chosen")
    assert asym["value"] == pytest.approx((740e6 / 7.0e9) / reverse)


def test_step_works_without_wdi() -> None:
    tables = {
        trade_step.IMF_TABLE: imf_table(IMF_ROWS),
        trade_step.RECENT_TABLE: recent_table(RECENT_ROWS),
    }
    out = trade_step.compute(tables)[trade_step.OUT_TABLE]
    assert not {"exposure_share", "asymmetry"} & set(out["measure"])
    assert "export_share" in set(out["measure"])


def test_mirror_gaps_list_the_large_ones(outputs: dict[str, pl.DataFrame]) -> None:
    gaps = outputs[trade_step.GAPS_TABLE]
    row = cell(gaps, "KGZ", "CHN", 2020, "import")
    assert row["ratio"] == pytest.approx(4.0) and row["log_gap"] == pytest.approx(math.log(4.0))
    assert gaps.filter(
        (pl.col("reporter_iso3") == "KGZ") & (pl.col("partner_iso3") == "RUS")
    ).is_empty()


def test_imf_estimates_are_detected_from_the_cif_fob_factor() -> None:
    partners = ["CHN", "RUS", "TUR", "IRN", "AFG", "UZB", "KAZ", "DEU", "ITA", "JPN", "KOR", "USA"]
    rows = []
    for k, p in enumerate(partners):
        rows += [
            ("TKM", p, 2020, "import", 1.06 * (k + 1)),
            (p, "TKM", 2020, "export", float(k + 1)),
            ("KGZ", p, 2020, "import", 2.0 * (k + 1)),
            (p, "KGZ", 2020, "export", float(k + 1)),
        ]
    reported = imf_table(rows).drop("is_mirror").with_columns(pl.lit("IMF DOTS").alias("source"))
    estimated = trade.imf_estimated_reporters(reported)
    assert estimated.rows() == [("TKM", 2020)]
    views = trade.both_views(reported, estimated)
    tkm = views.filter(pl.col("reporter_iso3") == "TKM")
    assert (tkm["chosen_view"] == "mirror").all()
    assert (tkm["flag"] == "mirror_used;reporter_imf_estimate").all()


def test_live_connector_flow_names_are_accepted() -> None:
    live = imf_table([("KGZ", "CHN", 2020, "imports", 7.0), ("CHN", "KGZ", 2020, "exports", 28.0)])
    mirror_row = imf_table([("KGZ", "CHN", 2020, "imports", 28.0)]).with_columns(
        pl.lit(True).alias("is_mirror")
    )
    tables = {
        trade_step.IMF_TABLE: pl.concat([live, mirror_row]),
        trade_step.RECENT_TABLE: recent_table([]),
    }
    both = trade_step.compute(tables)[trade_step.BOTH_TABLE]
    row = cell(both, "KGZ", "CHN", 2020, "import")
    assert (row["reporter_value_usd"], row["mirror_value_usd"]) == (7.0, 28.0)


def test_mirror_gaps_rejects_ratio_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        trade.mirror_gaps(pl.DataFrame(), min_ratio=0.5)


def test_both_views_refuses_duplicate_cells() -> None:
    reported = recent_table(
        [
            ("KGZ", "CHN", 2023, "import", 1.0, "KG NSC"),
            ("KGZ", "CHN", 2023, "import", 2.0, "press:X"),
        ]
    )
    with pytest.raises(ValueError, match="more than one row"):
        trade.both_views(reported)


def test_total_treats_a_missing_flow_as_zero_only_when_the_flow_is_reported() -> None:
    reported = recent_table(
        [
            ("KGZ", "CHN", 2020, "export", 40.0, "IMF DOTS"),
            ("KGZ", "CHN", 2020, "import", 700.0, "IMF DOTS"),
            ("KGZ", "GBR", 2020, "export", 990.0, "IMF DOTS"),  # no import row from GBR: zero
            (
                "TJK",
                "CHE",
                2020,
                "export",
                1.0,
                "IMF DOTS",
            ),  # TJK reports no imports at all that year
        ]
    )
    long = trade.with_total_flow(trade.long_views(trade.both_views(reported)))
    totals = long.filter((pl.col("flow") == "total") & (pl.col("method") == "reporter"))
    assert dict(
        totals.filter(pl.col("country_iso3") == "KGZ")
        .select("partner_iso3", "value_usd")
        .iter_rows()
    ) == {"CHN": 740.0, "GBR": 990.0}
    assert totals.filter(pl.col("country_iso3") == "TJK").is_empty()


def test_shares_after_dots_are_of_the_reported_total() -> None:
    """A national publisher whose partner rows miss part of its trade: shares divide by the
    total it reports (flagged, the total stored as a row); without the totals table, by the
    partner sum."""
    imf = imf_table(
        [("KGZ", "RUS", 2020, "export", 10.0e6), ("KGZ", "CHN", 2020, "export", 10.0e6)]
    )
    recent = recent_table(
        [
            ("KGZ", "RUS", 2021, "export", 30.0e6, "KG NSC"),
            ("KGZ", "CHN", 2021, "export", 10.0e6, "KG NSC"),
        ]
    )
    totals = pl.DataFrame(
        {
            "reporter_iso3": ["KGZ"],
            "year": [2021],
            "flow": ["export"],
            "value_usd": [100.0e6],
            "source": ["KG NSC"],
            "basis": ["total row 'Total'"],
        }
    ).with_columns(pl.col("year").cast(pl.Int32))
    tables = {trade_step.IMF_TABLE: imf, trade_step.RECENT_TABLE: recent}
    out = trade_step.compute({**tables, trade_step.TOTALS_TABLE: totals})[trade_step.OUT_TABLE]
    rows = out.filter((pl.col("year") == 2021) & (pl.col("method") == "reporter"))
    share = {
        p: (v, f)
        for p, v, f, m in rows.select("partner_iso3", "value", "flag", "measure").iter_rows()
        if m == "export_share"
    }
    assert share["RUS"][0] == pytest.approx(0.3) and share["CHN"][0] == pytest.approx(0.1)
    assert trade_step.REPORTED_TOTAL in share["RUS"][1]
    denominator = rows.filter(pl.col("measure") == "export_denominator_usd")
    assert (
        denominator["value"].to_list() == [100.0e6]
        and denominator["source"][0] == "KG NSC total (total row 'Total')"
    )
    hhi = rows.filter(pl.col("measure") == "export_hhi")["value"][0]
    assert hhi == pytest.approx(0.3**2 + 0.1**2)
    dots_year = out.filter(
        (pl.col("year") == 2020)
        & (pl.col("measure") == "export_share")
        & (pl.col("method") == "reporter")
    )
    assert dots_year["value"].sum() == pytest.approx(1.0) and dots_year["flag"].is_null().all()
    plain = trade_step.compute(tables)[trade_step.OUT_TABLE].filter(
        (pl.col("year") == 2021)
        & (pl.col("method") == "reporter")
        & (pl.col("measure") == "export_share")
    )
    assert plain["value"].sum() == pytest.approx(1.0)


def test_a_reported_total_below_the_partner_sum_is_not_used() -> None:
    """The denominator is never smaller than the partners it divides (shares stay <= 1)."""
    imf = imf_table([("KGZ", "RUS", 2020, "export", 10.0e6)])
    recent = recent_table(
        [
            ("KGZ", "RUS", 2021, "export", 30.0e6, "KG NSC"),
            ("KGZ", "CHN", 2021, "export", 10.0e6, "KG NSC"),
        ]
    )
    totals = pl.DataFrame(
        {
            "reporter_iso3": ["KGZ"],
            "year": [2021],
            "flow": ["export"],
            "value_usd": [20.0e6],
            "source": ["KG NSC"],
            "basis": ["total row 'Total'"],
        }
    ).with_columns(pl.col("year").cast(pl.Int32))
    out = trade_step.compute(
        {
            trade_step.IMF_TABLE: imf,
            trade_step.RECENT_TABLE: recent,
            trade_step.TOTALS_TABLE: totals,
        }
    )
    rows = out[trade_step.OUT_TABLE].filter(
        (pl.col("year") == 2021) & (pl.col("method") == "reporter")
    )
    assert rows.filter(pl.col("measure") == "export_share")["value"].sum() == pytest.approx(1.0)
    assert rows.filter(pl.col("measure") == "export_denominator_usd")["value"].to_list() == [40.0e6]
