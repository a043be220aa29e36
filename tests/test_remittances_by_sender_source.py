"""Contract tests of the remittances_by_sender source on tiny made-up fixtures written here.

The rows imitate the layout of
remittances_by_sender/central_bank_remittances_by_sender_2015_2025.csv (numbers and quotes are
invented): a conflicting pair, a partial period, a share given as text, TOTAL / TOTAL_NET /
aggregate senders and the two Central Bank of Russia series.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor import catalog
from autonomy_monitor.errors import BadInput
from autonomy_monitor.sources.remittances_by_sender import bulk

HEADER = (
    "row_id,receiver_iso3,sender_iso3,year,period,value_usd,"
    "share_of_total,publisher,reported_by,url,quote,notes\n"
)
ROWS = [
    "R1,UZB,TOTAL,2021,2021-01/2021-03,1410000000,,"
    "Central Bank of Uzbekistan,Outlet A,https://a.example/1,q,",
    "R2,UZB,TOTAL,2021,2021-01/2021-03,1420000000,,Central Bank of Uzbekistan,"
    "Outlet B,https://b.example/2,q,differs from 1.41 bn",
    "R3,UZB,RUS,2021,2021-01/2021-06,2200000000,67%,"
    "Central Bank of Uzbekistan,Outlet A,https://a.example/3,q,H1 2021",
    "R4,UZB,RUS,2021,2021-07/2021-09,1528000000,,Central Bank of Russia,Outlet C,"
    "https://c.example/4,q,Q3 2021; all cross-border transfers (vs 1.01 bn MTS-only figure)",
    "R5,UZB,RUS,2021,2021-07/2021-09,1010000000,,Central Bank of Russia,"
    "Outlet D,https://d.example/5,q,CBR money-transfer-system data",
    "R6,UZB,RUS,2023,2023-01/2023-06,,~80%,Central Bank of Uzbekistan,"
    "Outlet E,https://e.example/6,q,share only",
    "R7,UZB,KAZ+TUR+KOR,2025,,3487000000,,Central Bank of Uzbekistan,"
    "Outlet F,https://f.example/7,q,aggregate",
    "R8,KGZ,TOTAL_NET,2020,,2000000000,,National Bank of the Kyrgyz Republic,"
    "Outlet G,https://g.example/8,q,net inflow",
    "R9,UZB,EU27,2025,,563000000,,Central Bank of Uzbekistan,"
    "Outlet F,https://f.example/9,q,EU as a whole",
    "R10,KGZ,RUS,2021,2021-01/2021-11,2450000000,,National Bank of the Kyrgyz Republic,"
    "Outlet H,https://h.example/10,q,approx ('около')",
]


def write(root: Path, rows: list[str], header: str = HEADER) -> Path:
    folder = root / bulk.FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / bulk.FILE).write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return root


def core(tmp_path: Path, rows: list[str] = ROWS) -> pl.DataFrame:
    return bulk.load(write(tmp_path, rows)).tables[bulk.CORE_TABLE]


def row(frame: pl.DataFrame, row_id: str) -> dict:
    return frame.filter(pl.col("row_id") == row_id).row(0, named=True)


def test_one_row_per_figure_with_provenance_from_the_catalog(tmp_path: Path) -> None:
    result = bulk.load(write(tmp_path, ROWS))
    frame = result.tables[bulk.CORE_TABLE]
    assert frame.height == len(ROWS) and frame["row_id"].n_unique() == len(ROWS)
    record = result.inputs[0]
    entry = catalog.load_source("remittances_by_sender")
    assert (record.publisher, record.license) == (entry.publisher, entry.license)
    assert record.rows_read == record.rows_kept == len(ROWS)
    assert set(frame.columns) >= {
        "receiver_iso3",
        "sender_code",
        "year",
        "first_month",
        "last_month",
        "value_usd",
        "share_of_total",
        "publisher",
        "concept",
        "url",
        "figure_group",
        "is_preferred",
    }


def test_partial_period_is_kept_as_such(tmp_path: Path) -> None:
    frame = core(tmp_path)
    h1 = row(frame, "R3")
    assert (h1["first_month"], h1["last_month"], h1["months"], h1["is_full_year"]) == (
        1,
        6,
        6,
        False,
    )
    assert h1["share_of_total"] == pytest.approx(0.67)
    full = row(frame, "R7")
    assert (full["first_month"], full["last_month"], full["is_full_year"]) == (1, 12, True)


def test_conflicting_pair_is_one_group_and_one_preferred(tmp_path: Path) -> None:
    frame = core(tmp_path)
    pair = frame.filter(pl.col("row_id").is_in(["R1", "R2"]))
    assert pair["figure_group"].n_unique() == 1 and pair["group_figures"].to_list() == [2, 2]
    assert pair["is_preferred"].sum() == 1
    # every group has exactly one preferred figure
    assert (
        frame.group_by("figure_group").agg(pl.col("is_preferred").sum())["is_preferred"] == 1
    ).all()


def test_two_central_bank_of_russia_series_are_told_apart(tmp_path: Path) -> None:
    frame = core(tmp_path)
    assert row(frame, "R4")["concept"] == "cbr_all_cross_border_transfers"
    assert row(frame, "R5")["concept"] == "cbr_money_transfer_systems"
    assert row(frame, "R4")["figure_group"] != row(frame, "R5")["figure_group"]
    assert row(frame, "R4")["side"] == "sender" and row(frame, "R3")["side"] == "receiver"


def test_totals_groups_and_aggregates_are_not_senders(tmp_path: Path) -> None:
    frame = core(tmp_path)
    kinds = {r: row(frame, r)["sender_kind"] for r in ("R1", "R7", "R8", "R9", "R3")}
    assert kinds == {
        "R1": "total",
        "R7": "aggregate",
        "R8": "total_net",
        "R9": "group",
        "R3": "country",
    }
    assert (
        frame.filter(pl.col("sender_kind") != "country")["sender_iso3"].null_count() == 4 + 1
    )  # R1, R2, R7, R8, R9


def test_approximate_wording_is_flagged(tmp_path: Path) -> None:
    frame = core(tmp_path)
    assert row(frame, "R6")["is_approximate"] and row(frame, "R6")[
        "share_of_total"
    ] == pytest.approx(0.80)
    assert row(frame, "R10")["is_approximate"] and not row(frame, "R1")["is_approximate"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "R99,UZB,RUS,2021,2021-07/2020-09,1,,Central Bank of Uzbekistan,o,u,q,",
            "does not lie within the row's year",
        ),
        (
            "R99,UZB,RUS,2021,H1,1,,Central Bank of Uzbekistan,o,u,q,",
            "is not empty or 'YYYY-MM/YYYY-MM'",
        ),
        ("R99,UZB,RUS,2021,,1,eighty,Central Bank of Uzbekistan,o,u,q,", "is not a percentage"),
        ("R99,UZB,XXX,2021,,1,,Central Bank of Uzbekistan,o,u,q,", "sender 'XXX'"),
        ("R99,ATL,RUS,2021,,1,,Central Bank of Uzbekistan,o,u,q,", "receiver 'ATL'"),
        (
            "R99,UZB,RUS,2021,,,,Central Bank of Uzbekistan,o,u,q,",
            "neither value_usd nor share_of_total",
        ),
        ("R1,UZB,RUS,2021,,5,,Central Bank of Uzbekistan,o,u,q,", "repeats row_id R1"),
        ("R99,UZB,RUS,2021,,-5,,Central Bank of Uzbekistan,o,u,q,", "is negative"),
    ],
)
def test_bad_rows_fail_with_one_sentence_naming_the_row(
    tmp_path: Path, bad: str, message: str
) -> None:
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        bulk.load(write(tmp_path, [ROWS[0], bad]))
    assert "\n" not in str(error.value)


def test_missing_column_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="lacks column"):
        bulk.load(
            write(tmp_path, ["R1,UZB,TOTAL,2021"], header="row_id,receiver_iso3,sender_iso3,year\n")
        )


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        bulk.load(tmp_path)
