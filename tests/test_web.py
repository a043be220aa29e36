"""The web dashboard through FastAPI's TestClient, over the bundled snapshot (no warehouse).

Pages, validation (404 / 422 pages), security headers, downloads in three formats and the
data-package descriptor, languages (catalog completeness, the switch, localised names),
events data, scenario lever parsing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from autonomy_monitor import api
from autonomy_monitor.api.dashboard_data import parse_event
from autonomy_monitor.i18n import (
    catalog,
    country_label,
    format_date,
    format_number,
    format_percent,
    translator,
)
from autonomy_monitor.web import create_app
from autonomy_monitor.web.security import HEADERS

PAGES = [
    "/",
    "/country/KGZ",
    "/compare?countries=KAZ,KGZ,UZB",
    "/events",
    "/methodology",
    "/downloads",
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> api.Settings:
    """Settings whose warehouse does not exist: every query reads the bundled snapshot."""
    return api.Settings(warehouse=tmp_path_factory.mktemp("none") / "absent.duckdb")


@pytest.fixture(scope="module")
def client(settings: api.Settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_with_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in response.text and " onclick=" not in response.text  # no inline script
    assert "cdn" not in response.text.lower()


def test_overview_lists_the_five_first_with_links(client: TestClient) -> None:
    page = client.get("/?year=2022").text
    html = page.split("<tbody>")[1]
    positions = [html.find(f'href="/country/{c}"') for c in ("KAZ", "KGZ", "TJK", "TKM", "UZB")]
    assert all(p > 0 for p in positions)
    assert max(positions) < html.find('href="/country/AFG"') or 'href="/country/AFG"' not in html
    assert '<option value="2022" selected>' in page


def test_overview_numbers_match_the_api(client: TestClient, settings: api.Settings) -> None:
    frame = api.overview(2022, ["CHN", "RUS", "USA", "JPN"], settings).filter(
        (pl.col("country_iso3") == "KGZ")
        & (pl.col("power_iso3") == "RUS")
        & (pl.col("measure") == "agreement")
    )
    assert frame.height == 1
    shown = format_percent(frame["value"][0], "en", 0)
    body = client.get("/?year=2022").text.split("<tbody>")[1]
    row = body.split('href="/country/KGZ"')[1].split("</tr>")[0]
    assert shown in row


def test_country_page_sections_and_sources(client: TestClient) -> None:
    html = client.get("/country/KGZ").text
    for anchor in ("dependence", "alignment", "votes", "migration", "aid", "governance", "events"):
        assert f'id="{anchor}"' in html
    assert "A/RES/ES-11/1" in html  # key votes table, without JavaScript
    assert "Source" in html and 'data-spec="/charts/country/KGZ/alignment.json' in html
    assert "United Nations" in html  # events listed with their sources


@pytest.mark.parametrize(
    "path", ["/country/XXX", "/country/kgz1", "/country/ZZZ", "/charts/country/QQQ/trade.json"]
)
def test_unknown_country_is_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Unknown country" in response.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/?year=abc", "is not a number"),
        ("/?year=1800", "out of range"),
        ("/?year=2031", "out of range"),
        ("/?powers=CHN,XYZ", "Unknown country code"),
        ("/?measure=gdp", "Unknown measure"),
        ("/compare?countries=KAZ", "between 2 and 5"),
        ("/compare?countries=KAZ,KGZ,TJK,TKM,UZB,RUS", "between 2 and 5"),
        ("/charts/country/KGZ/nothing.json", "Unknown chart"),
        ("/charts/overview-map.json?year=x", "is not a number"),
        ("/downloads/out_alignment__key_votes.xlsx", "Unknown format"),
        ("/?lang=xx", "Unknown language"),
        ("/scenario?name=../../etc/passwd", "Unknown scenario"),
    ],
)
def test_bad_parameters_give_422_with_a_message(
    client: TestClient, path: str, message: str
) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert message in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_no_request_path_reaches_the_filesystem(client: TestClient) -> None:
    for path in [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/downloads/..%2fpyproject.toml.csv",
        "/static/../../pyproject.toml",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "[project]" not in response.text and "def create_app" not in response.text


def test_sql_injection_attempt_is_only_a_bad_name(client: TestClient) -> None:
    response = client.get("/downloads/out_alignment__key_votes;DROP TABLE x.csv")
    assert response.status_code == 404
    response = client.get(
        "/downloads/out_alignment__key_votes.csv", params={"country": "KGZ' OR '1'='1"}
    )
    assert response.status_code == 404


def test_chart_specs_are_vega_lite_with_title_source_and_year(client: TestClient) -> None:
    spec = client.get("/charts/country/KGZ/alignment.json").json()
    assert "vega-lite" in spec["$schema"]
    subtitle = spec["title"]["subtitle"]
    subtitle = " ".join(subtitle) if isinstance(subtitle, list) else subtitle
    assert "Source:" in subtitle and "Data:" in subtitle and "1992" in subtitle
    map_spec = client.get("/charts/overview-map.json?year=2022&power=RUS&measure=agreement").json()
    values = map_spec["transform"][0]["from"]["data"]["values"]
    assert any(v["id"] == "417" and v["value"] is not None for v in values)  # Kyrgyzstan, M49 417
    assert map_spec["data"]["url"] == "/static/vendor/countries-110m.json"


def test_vendored_assets_are_served_from_the_package(client: TestClient) -> None:
    for name in (
        "vega.min.js",
        "vega-lite.min.js",
        "vega-embed.min.js",
        "htmx.min.js",
        "countries-110m.json",
    ):
        response = client.get(f"/static/vendor/{name}")
        assert response.status_code == 200 and len(response.content) > 10_000, name


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_downloads_return_the_table(client: TestClient, settings: api.Settings, fmt: str) -> None:
    expected = api.table_frame("out_alignment__key_votes", "KGZ", settings=settings)
    response = client.get(f"/downloads/out_alignment__key_votes.{fmt}", params={"country": "KGZ"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    if fmt == "csv":
        frame = pl.read_csv(io.BytesIO(response.content), infer_schema=False)
    elif fmt == "parquet":
        frame = pl.read_parquet(io.BytesIO(response.content))
    else:
        frame = pl.DataFrame(response.json(), infer_schema_length=None)
    assert frame.height == expected.height > 0
    assert set(frame["country_iso3"].unique()) == {"KGZ"}
    assert sorted(frame["resolution_symbol"].to_list()) == sorted(
        expected["resolution_symbol"].to_list()
    )


def test_data_package_describes_every_table(client: TestClient, settings: api.Settings) -> None:
    package = client.get("/downloads/datapackage.json").json()
    assert package["profile"] == "data-package"
    names = {r["name"] for r in package["resources"]}
    assert names == set(api.downloadable_tables(settings)["table"].to_list())
    resource = next(r for r in package["resources"] if r["name"] == "out_alignment__key_votes")
    fields = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    assert fields["country_iso3"] == "string" and fields["date"] == "date"
    assert resource["path"].endswith("/downloads/out_alignment__key_votes.csv")


# --- languages -------------------------------------------------------------------------------
# catalog completeness and placeholders: tests/test_i18n.py


def test_templates_use_only_catalogued_keys() -> None:
    import re

    keys = set(catalog("en"))
    root = Path(__file__).resolve().parents[1] / "src" / "autonomy_monitor" / "web"
    used = set()
    for path in [*root.glob("templates/*.html"), *root.glob("*.py")]:
        used |= set(re.findall(r"""\bt\(["']([a-z_]+\.[a-z_.0-9]+)["']""", path.read_text()))
    assert used and used <= keys, sorted(used - keys)


def test_missing_translation_falls_back_to_english() -> None:
    t = translator("ja")
    assert t("no.such.key") == "no.such.key"
    assert translator("xx")("nav.overview") == "Overview"


def test_language_switch_sets_a_cookie_and_localises(settings: api.Settings) -> None:
    local = TestClient(create_app(settings))
    response = local.get("/country/KGZ?lang=ja")
    assert response.cookies.get("lang") == "ja" or "lang=ja" in response.headers.get(
        "set-cookie", ""
    )
    assert 'lang="ja"' in response.text and "キルギス" in response.text
    again = local.get("/events")  # cookie remembered
    assert 'lang="ja"' in again.text
    russian = local.get("/country/KAZ?lang=ru").text
    assert "Казахстан" in russian


def test_country_names_numbers_and_dates_per_locale() -> None:
    assert country_label("RUS", "ru") == "Россия"
    assert country_label("JPN", "ja") == "日本"
    assert (
        country_label("SUN", "ja", "Soviet Union") == "ソ連"
    )  # historical states are in the countries catalog
    assert country_label("XXA", "ja", "Somewhere") == "Somewhere"  # unknown: English fallback
    assert format_number(1234567.5, "ru") == "1\u00a0234\u00a0567,5"
    assert format_number(1234567.5, "en") == "1,234,567.5"
    assert format_date("1992-03-02", "ja") == "1992/03/02"


# --- events ------------------------------------------------------------------------------------
def test_events_are_dated_cited_and_include_un_admission() -> None:
    frame = api.events()
    assert frame.height >= 10
    assert frame["url"].str.contains(r"^https?://[a-z0-9.-]+\.[a-z]{2,}/").all()
    assert frame["source"].str.len_chars().min() > 5 and frame["title"].str.len_chars().min() > 10
    admission = frame.filter(pl.col("kind") == "un")
    assert admission["date"].to_list()[0].isoformat() == "1992-03-02"
    assert set(admission["countries"][0]) == {"KAZ", "KGZ", "TJK", "TKM", "UZB"}
    assert api.country_events("KGZ").height > api.country_events("BRA").height


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"date": "2004-13-01"}, "is not YYYY-MM-DD"),
        ({"kind": "party"}, "kind 'party'"),
        ({"countries": "KGZ;XXX"}, "unknown country codes"),
        ({"url": "ftp://example.org"}, "http(s):// URL"),
        ({"date_precision": "year"}, "date_precision"),
        ({"label": "a label far too long for a chart marker"}, "short marker text"),
    ],
)
def test_bad_event_rows_name_the_row_and_fault(row: dict[str, str], message: str) -> None:
    good = {
        "date": "2004-08-28",
        "date_precision": "day",
        "kind": "dialogue",
        "label": "CA+J",
        "title": "x",
        "countries": "C5",
        "source": "s",
        "url": "https://example.org",
    }
    with pytest.raises(api.BadInput, match="row 7") as error:
        parse_event({**good, **row}, 7)
    assert message in str(error.value)


def test_events_hold_every_dialogue_foreign_ministers_meeting_and_the_summit() -> None:
    frame = api.country_events("KGZ").filter(
        pl.col("title").str.contains("Central Asia plus Japan")
    )
    ministers = frame.filter(
        (pl.col("kind") == "dialogue")
        & pl.col("title").str.contains("Foreign Ministers' Meeting of")
    )
    numbers = sorted(
        int(t.split(" ")[0].rstrip("stndrh")) for t in ministers["title"] if t[0].isdigit()
    )
    assert numbers == list(
        range(1, 10)
    )  # 1st 2004 Astana ... 9th 2022 Tokyo (sources count nine up to 2022)
    assert ministers["date"].min().isoformat() == "2004-08-28"
    assert (
        frame.filter(pl.col("kind") == "officials").height >= 8
    )  # the dated senior officials' meetings
    assert frame.filter(pl.col("kind") == "summit")["date"].max().isoformat() == "2025-12-20"


def test_events_command_prints_the_timeline_with_sources() -> None:
    from typer.testing import CliRunner

    from autonomy_monitor.cli.main import app

    result = CliRunner().invoke(
        app,
        ["events", "--country", "KGZ", "--from", "2004", "--format", "csv"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(io.StringIO(result.output))
    assert frame["date"].min() >= "2004-01-01" and frame.height >= 20
    assert frame["url"].str.starts_with("http").all()
    table = CliRunner().invoke(app, ["events", "--country", "KGZ"], catch_exceptions=False)
    assert "5th Foreign Ministers' Meeting" in table.output and "knews.kg" in table.output
    bad = CliRunner().invoke(app, ["events", "--country", "XXX"])
    assert bad.exit_code == 2 and "Unknown country" in bad.output


# --- scenario levers ---------------------------------------------------------------------------
def test_scenario_levers_are_validated() -> None:
    from autonomy_monitor.web.scenario import edited_scenario, lever_fields

    spec, edits = edited_scenario("japan-kyrgyzstan", {"l1.share_remitted": "0.5"})
    assert spec.levers[0].share_remitted == 0.5 and edits == {"l1.share_remitted": 0.5}
    assert any(f["name"] == "l1.monthly_wage" for f in lever_fields(spec))
    for params, message in [
        ({"l1.share_remitted": "1.5"}, "less than or equal to 1"),
        ({"l1.share_remitted": "abc"}, "must be a number"),
        ({"l9.x": "1"}, "Unknown lever parameter"),
    ]:
        with pytest.raises(ValueError, match=message):
            edited_scenario("japan-kyrgyzstan", params)


def test_json_endpoint_is_cached_and_stable(client: TestClient) -> None:
    first = client.get("/data/country/KGZ.json")
    second = client.get("/data/country/KGZ.json")
    assert first.status_code == 200 and first.content == second.content
    data = json.loads(first.content)
    assert data["code"] == "KGZ" and data["key_votes"]


def test_scenario_page_runs_or_says_what_is_missing(
    client: TestClient, settings: api.Settings
) -> None:
    response = client.get("/scenario?name=japan-kyrgyzstan")
    if "out_dependence__yearly" in api.downloadable_tables(settings)["table"].to_list():
        assert response.status_code == 200 and 'id="scenario-table"' in response.text
    else:
        assert response.status_code == 422 and "out_dependence__yearly" in response.text


def test_scenario_fragment_reports_a_bad_lever_in_place(client: TestClient) -> None:
    response = client.get("/scenario/results?name=japan-kyrgyzstan&l1.share_remitted=1.5")
    assert response.status_code == 422
    assert (
        response.text.startswith('<div id="scenario-results">')
        and "less than or equal to 1" in response.text
    )


# --- readability -------------------------------------------------------------------------------
def test_overview_leads_with_the_five_and_the_powers_and_keeps_the_full_list_one_click_away(
    client: TestClient,
) -> None:
    html = client.get("/?year=2020").text
    headline = html.split('id="headline-table"')[1].split("</table>")[0]
    order = [
        code
        for code in ("KAZ", "KGZ", "TJK", "TKM", "UZB", "CHN", "RUS", "USA", "JPN")
        if f"/country/{code}" in headline
    ]
    assert order == ["KAZ", "KGZ", "TJK", "TKM", "UZB", "CHN", "RUS", "USA", "JPN"]
    assert headline.count("<tr") == 2 + 9  # two header rows, the five and the four powers
    full = html.split('id="all-countries"')[1]
    assert (
        full.split("</details>")[0].count("/country/") > 150
        and 'id="country-filter"' in full
        and 'data-sort-col="1"' in full
    )
    assert (
        " tr-" in headline and " va-" in headline
    )  # trade share and vote agreement on their own scales
    assert "world trade and votes" in html and "World trade by partner ends in 2020" in html


def test_powers_agreement_with_each_other_is_shown_both_ways(settings: api.Settings) -> None:
    frame = api.overview(2020, ["CHN", "RUS", "USA", "JPN"], settings).filter(
        pl.col("measure") == "agreement"
    )
    pairs = {(r["country_iso3"], r["power_iso3"]) for r in frame.iter_rows(named=True)}
    assert {("RUS", "CHN"), ("CHN", "RUS"), ("USA", "JPN"), ("JPN", "USA")} <= pairs


def test_time_charts_fill_their_container_and_number_their_events(client: TestClient) -> None:
    spec = client.get("/charts/country/KGZ/alignment.json").json()
    assert spec["width"] == "container" and spec["autosize"]["type"] == "fit-x"
    assert spec["config"]["font"] == "Noto Sans"
    numbers = [
        row["label"]
        for layer in spec["layer"]
        for row in spec.get("datasets", {}).get(layer.get("data", {}).get("name", ""), [])
        if "row" in row
    ]
    assert numbers and all(text.replace("–", "").replace(",", "").isdigit() for text in numbers)
    html = client.get("/country/KGZ").text
    assert 'class="event-key"' in html and "CA+J 9th FM" in html


def test_scenario_results_lead_with_a_chart_in_words(
    client: TestClient, settings: api.Settings
) -> None:
    if "out_dependence__yearly" not in api.downloadable_tables(settings)["table"].to_list():
        pytest.skip("the store has no out_dependence__yearly")
    html = client.get("/scenario?name=japan-kyrgyzstan").text
    assert html.index("data-spec-json=") < html.index('id="scenario-table"')
    table = html.split('id="scenario-table"')[1].split("</table>")[0]
    assert (
        "Remittances from the partner as a share of GDP" in table
        and ">remittance_dependence<" not in table
    )


def test_vendored_web_fonts_are_served(client: TestClient) -> None:
    css = client.get("/static/style.css").text
    for name in ("NotoSans-Regular", "NotoSans-Bold", "NotoSansJP-Regular", "NotoSansJP-Languages"):
        assert f"/static/fonts/{name}.woff2" in css
        response = client.get(f"/static/fonts/{name}.woff2")
        assert response.status_code == 200 and response.content[:4] == b"wOF2"


def test_country_page_shows_total_remittances_when_the_api_has_them(
    settings: api.Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def totals(country: str, *, settings: api.Settings | None = None) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "country_iso3": [country] * 2,
                "year": [2022, 2023],
                "remittances_usd": [2.9e9, 2.5e9],
                "remittances_gdp_share": [0.31, 0.24],
                "source": ["WDI BX.TRF.PWKR.CD.DT"] * 2,
            }
        )

    monkeypatch.setattr(api, "remittance_totals", totals, raising=False)
    html = TestClient(create_app(settings)).get("/country/KGZ").text
    table = html.split('id="remittance-totals"')[1].split("</table>")[0]
    assert (
        table.index("2023") < table.index("2022")
        and "2,500" in table
        and "24" in table
        and "WDI" in table
    )
