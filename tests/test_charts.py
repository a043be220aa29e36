"""charts.py: every spec carries title, source and year, is JSON-serialisable and renders."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import vl_convert as vlc

from autonomy_monitor import charts


def dependence_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "year": [2010, 2011, 2012, 2010, 2011, 2012],
            "partner_iso3": ["RUS", "RUS", "RUS", "CHN", "CHN", "CHN"],
            "partner": ["Russia", "Russia", "Russia", "China", "China", "China"],
            "value": [0.30, 0.28, 0.25, 0.10, 0.15, 0.20],
        }
    )


EVENTS = pl.DataFrame(
    {"date": [dt.date(2011, 6, 1), dt.date(1990, 1, 1)], "label": ["Summit", "Out of range"]}
)


def all_specs() -> list[dict]:
    ideal = pl.DataFrame(
        {
            "year": [2010, 2011],
            "country": ["Kyrgyzstan"] * 2,
            "country_iso3": ["KGZ"] * 2,
            "ideal_point": [0.1, -0.2],
            "se": [0.05, 0.1],
        }
    )
    align = dependence_frame().rename({"value": "agreement"})
    votes = pl.DataFrame(
        {
            "resolution": ["A/RES/ES-11/1", "A/RES/ES-11/1"],
            "country": ["Kyrgyzstan", "Japan"],
            "vote": ["Abstain", "Yes"],
        }
    )
    bars = pl.DataFrame({"label": ["Russia", "China"], "value": [0.3, 0.2], "code": ["RUS", "CHN"]})
    return [
        charts.dependence_over_time(
            dependence_frame(), title="Trade", source="UN Comtrade", events=EVENTS
        ),
        charts.alignment_over_time(align, title="Agreement", events=EVENTS),
        charts.ideal_points_over_time(ideal, title="Ideal point"),
        charts.key_votes_chart(votes, title="Key votes", year=2022),
        charts.share_bars(
            bars, title="Partners", source="UN Comtrade", year=2012, code_column="code"
        ),
    ]


def test_every_spec_has_title_source_and_year():
    for spec in all_specs():
        json.dumps(spec)
        assert spec["title"]["text"]
        assert "Source:" in spec["title"]["subtitle"]
        assert "Data:" in spec["title"]["subtitle"]
        assert spec["description"].startswith(spec["title"]["text"])


def test_time_charts_state_the_year_span():
    spec = charts.dependence_over_time(dependence_frame(), title="Trade", source="UN Comtrade")
    assert "2010–2012" in spec["title"]["subtitle"]


def test_events_outside_span_are_dropped_and_inside_are_drawn():
    spec = charts.dependence_over_time(dependence_frame(), title="Trade", source="X", events=EVENTS)
    text = json.dumps(spec)
    assert "Summit" in text and "Out of range" not in text
    assert charts.event_frame(EVENTS, [2010, 2012])["x"].to_list() == [
        pytest.approx(2011 + 151 / 365, abs=1e-3)
    ]


def test_powers_keep_their_colours():
    spec = charts.dependence_over_time(dependence_frame(), title="Trade", source="X")
    scale = spec["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {
        "China": charts.PARTNER_COLOURS["CHN"],
        "Russia": charts.PARTNER_COLOURS["RUS"],
    }


def test_specs_render_to_svg():
    for spec in all_specs():
        svg = vlc.vegalite_to_svg(spec)
        assert svg.startswith("<svg") and spec["title"]["text"] in svg


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="value"):
        charts.dependence_over_time(
            pl.DataFrame({"year": [1], "partner": ["x"]}), title="t", source="s"
        )


def test_spec_is_deterministic():
    assert json.dumps(all_specs(), sort_keys=True) == json.dumps(all_specs(), sort_keys=True)


def test_labels_translate_the_fixed_words():
    votes = pl.DataFrame({"resolution": ["R"], "country": ["Japan"], "vote": ["Yes"]})
    spec = charts.key_votes_chart(
        votes,
        title="Votes",
        year=2022,
        labels={"source": "Источник", "data": "Данные", "yes": "за", "vote": "Голос"},
    )
    assert (
        spec["title"]["subtitle"].startswith("Источник: ")
        and "Данные: 2022" in spec["title"]["subtitle"]
    )
    text = json.dumps(spec, ensure_ascii=False)
    assert '"за"' in text and "Голос" in text and '"yes"' not in text


def test_long_subtitles_wrap_onto_lines():
    source = "; ".join(f"publisher number {i} with a long dataset name" for i in range(4))
    spec = charts.share_bars(
        pl.DataFrame({"label": ["a"], "value": [0.5]}), title="t", source=source, year=2020
    )
    lines = spec["title"]["subtitle"]
    assert isinstance(lines, list) and len(lines) >= 2
    assert all(len(line) <= charts.SUBTITLE_WIDTH for line in lines)
    assert source in spec["description"]


def test_flagged_alignment_years_get_hollow_rings():
    frame = pl.DataFrame(
        {
            "year": [2020, 2021, 2022],
            "partner": ["Russia"] * 3,
            "partner_iso3": ["RUS"] * 3,
            "agreement": [0.8, 0.7, 0.75],
            "is_small_sample": [False, False, True],
            "is_partial_year": [False, None, True],
            "is_break": [False, False, False],
        }
    )
    spec = charts.alignment_over_time(frame, title="Agreement")
    rings = [layer for layer in spec["layer"] if layer.get("mark", {}).get("filled") is False]
    assert len(rings) == 1
    data = spec["datasets"][rings[0]["data"]["name"]]
    assert [(row["year"], row["flags"]) for row in data] == [(2022, "small sample, partial year")]
    unflagged = charts.alignment_over_time(
        frame.drop("is_small_sample", "is_partial_year", "is_break"), title="Agreement"
    )
    assert "layer" not in unflagged
