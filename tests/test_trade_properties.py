"""Hypothesis properties of the trade indicators (pure functions, synthetic frames)."""

from __future__ import annotations

import narwhals as nw
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from autonomy_monitor.indicators import relational, trade

CODES = ["KAZ", "KGZ", "TJK", "TKM", "UZB", "CHN", "RUS", "JPN"]

cells = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.sampled_from(CODES),
        st.integers(2018, 2021),
        st.sampled_from(trade.FLOWS),
        st.one_of(st.just(0.0), st.floats(1.0, 1e11, allow_nan=False, allow_infinity=False)),
        st.sampled_from(["IMF DOTS", "KG NSC", "press:GACC"]),
    ),
    min_size=1,
    max_size=60,
)


def reported_frame(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema={
            "reporter_iso3": pl.String,
            "partner_iso3": pl.String,
            "year": pl.Int32,
            "flow": pl.String,
            "value_usd": pl.Float64,
            "source": pl.String,
        },
        orient="row",
    )
    frame = frame.filter(pl.col("reporter_iso3") != pl.col("partner_iso3"))
    return frame.unique(subset=trade.KEY, keep="first", maintain_order=True)


GROUP = ["country_iso3", "year", "flow", "method"]


def on_polars_shares(frame: pl.DataFrame) -> pl.DataFrame:
    """The partner shares of the build (``relational.partner_shares``) on a Polars frame."""
    return nw.to_native(relational.partner_shares(nw.from_native(frame), GROUP, "value_usd"))


def long_frame(rows: list[tuple]) -> pl.DataFrame:
    return trade.with_total_flow(trade.long_views(trade.both_views(reported_frame(rows))))


@settings(max_examples=60, deadline=None)
@given(cells)
def test_mirror_of_mirror_is_the_original(rows: list[tuple]) -> None:
    frame = reported_frame(rows)
    twice = trade.mirror_view(trade.mirror_view(frame))
    assert twice.sort(trade.KEY).equals(frame.sort(trade.KEY))


@settings(max_examples=60, deadline=None)
@given(cells)
def test_shares_sum_to_one_per_country_year_flow_and_method(rows: list[tuple]) -> None:
    shares = on_polars_shares(long_frame(rows))
    sums = shares.group_by("country_iso3", "year", "flow", "method").agg(pl.col("share").sum())
    for total in sums["share"]:
        assert abs(total - 1.0) < 1e-9
    assert shares["share"].is_between(0.0, 1.0).all()


@settings(max_examples=60, deadline=None)
@given(cells)
def test_hhi_lies_between_one_over_n_and_one(rows: list[tuple]) -> None:
    index = nw.to_native(relational.hhi(nw.from_native(on_polars_shares(long_frame(rows))), GROUP))
    for value, n in index.select("hhi", "n_partners").iter_rows():
        assert 1.0 / n - 1e-12 <= value <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(cells)
def test_chosen_value_is_one_of_the_two_views_and_flagged(rows: list[tuple]) -> None:
    views = trade.both_views(reported_frame(rows))
    for row in views.iter_rows(named=True):
        chosen = (
            row["reporter_value_usd"]
            if row["chosen_view"] == "reporter"
            else row["mirror_value_usd"]
        )
        assert row["chosen_value_usd"] == chosen
        flags = (row["flag"] or "").split(";")
        assert (trade.FLAG_MIRROR in flags) == (row["chosen_view"] == "mirror")
        reporter_ok = (row["reporter_value_usd"] or 0) > 0 and not (
            row["reporter_source"] or ""
        ).startswith("press:")
        if reporter_ok:
            assert row["chosen_view"] == "reporter"


@settings(max_examples=40, deadline=None)
@given(cells)
def test_every_reported_cell_appears_in_both_views(rows: list[tuple]) -> None:
    frame = reported_frame(rows)
    views = trade.both_views(frame)
    assert views.select(trade.KEY).is_duplicated().sum() == 0
    own = views.filter(pl.col("reporter_value_usd").is_not_null()).height
    mirrored = views.filter(pl.col("mirror_value_usd").is_not_null()).height
    assert own == frame.height == mirrored
