"""Country briefings (`autonomy report`): PDF and HTML on a tiny warehouse written here.

The warehouse holds synthetic dependence and governance rows plus the alignment tables of the
bundled snapshot, so every figure the tests look for is computed through the API first.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from autonomy_monitor import api
from autonomy_monitor.indicators.shares import OUTPUT_SCHEMA
from autonomy_monitor.reports import build_report
from autonomy_monitor.reports.briefing import MIN_VOTES, gather
from autonomy_monitor.settings import Settings

BUNDLED = Settings().bundled_snapshot
SNAPSHOT_TABLES = (
    "out_alignment__key_votes",
    "out_alignment__yearly_vote_agreement_wide",
    "meta_provenance__inputs",
    "meta_lineage__tables",
    "meta_build__runs",
)


def dependence_rows() -> pl.DataFrame:
    data = []
    for year, shares in (
        (2010, {"RUS": 0.40, "CHN": 0.20, "KAZ": 0.10}),
        (2020, {"RUS": 0.45, "CHN": 0.25, "KAZ": 0.08}),
    ):
        for partner, share in shares.items():
            data.append(
                (
                    "KGZ",
                    partner,
                    year,
                    "trade",
                    "total_share",
                    share,
                    "share",
                    "chosen",
                    "Test trade source",
                    None,
                )
            )
    data += [
        (
            "KGZ",
            "CHN",
            2020,
            "trade",
            "export_share",
            0.31,
            "share",
            "chosen",
            "Test trade source",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2020,
            "trade",
            "import_share",
            0.52,
            "share",
            "chosen",
            "Test trade source",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2020,
            "migration",
            "destination_share",
            0.763,
            "share",
            "un_desa_stock",
            "Test migrant stock",
            None,
        ),
        (
            "KGZ",
            "DEU",
            2020,
            "migration",
            "destination_share",
            0.12,
            "share",
            "un_desa_stock",
            "Test migrant stock",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2020,
            "migration",
            "emigrants",
            591025.0,
            "persons",
            "un_desa_stock",
            "Test migrant stock",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2020,
            "remittances",
            "remittance_share",
            0.81,
            "share",
            "allocated_stock_income_weighted",
            "Test remittances",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2020,
            "remittances",
            "remittances_usd",
            2.1e9,
            "current US$",
            "allocated_stock_income_weighted",
            "Test remittances",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2020,
            "remittances",
            "remittance_dependence",
            0.27,
            "ratio to GDP",
            "allocated_stock_income_weighted",
            "Test remittances",
            None,
        ),
        (
            "KGZ",
            "JPN",
            2019,
            "aid",
            "oda_share",
            0.226,
            "share",
            "dac2a_net_disbursements",
            "Test ODA",
            None,
        ),
    ]
    return pl.DataFrame(data, schema=list(OUTPUT_SCHEMA), orient="row").cast(OUTPUT_SCHEMA)


#: Synthetic press-reported records (test fixture, not the real file): one with a symbol, one
# without.
PRESS_ROWS = [
    (
        "press:test:1",
        "A/RES/ES-11/7",
        "2025-02-24",
        "Test title seven",
        "KAZ",
        "A",
        "https://example.org/a",
    ),
    (
        "press:test:1",
        "A/RES/ES-11/7",
        "2025-02-24",
        "Test title seven",
        "RUS",
        "N",
        "https://example.org/a",
    ),
    (
        "press:test:2",
        "ES-11 resumed session, 3 Dec 2025 (symbol not given)",
        "2025-12-03",
        "Test title nine",
        "KGZ",
        "A",
        "https://example.net/b",
    ),
]


def add_press_reported_votes(connection: duckdb.DuckDBPyConnection) -> None:
    """Give the copied key-vote table the record_kind/source columns and two press-reported
    records."""
    columns = {row[0] for row in connection.execute("DESCRIBE out_alignment__key_votes").fetchall()}
    if "record_kind" not in columns:
        connection.execute(
            "ALTER TABLE out_alignment__key_votes ADD COLUMN record_kind VARCHAR DEFAULT 'official'"
        )
    # only the synthetic records below: the bundled snapshot's own press reports would mix in
    connection.execute("DELETE FROM out_alignment__key_votes WHERE record_kind = 'press_reported'")
    for record, symbol, date, title, country, vote, url in PRESS_ROWS:
        connection.execute(
            "INSERT INTO out_alignment__key_votes (roll_call_id, "
            "resolution_symbol, date, title, country_iso3, vote, source, "
            "record_kind) VALUES (?, ?, ?::DATE, ?, ?, ?, ?, 'press_reported')",
            [record, symbol, date, title, country, vote, url],
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("reports") / "warehouse.duckdb"
    connection = duckdb.connect(str(path))
    connection.register("d", dependence_rows().to_arrow())
    connection.execute("CREATE TABLE out_dependence__yearly AS SELECT * FROM d")
    gov = pl.DataFrame(
        {
            "country_iso3": ["KGZ"],
            "year": [2023],
            "source": ["WGI"],
            "indicator": ["rule_of_law"],
            "value": [-1.17],
            "scale": ["-2.5 (weak) to 2.5 (strong)"],
        }
    )
    connection.register("g", gov.to_arrow())
    connection.execute("CREATE TABLE out_governance__yearly AS SELECT * FROM g")
    for table in SNAPSHOT_TABLES:
        parquet = BUNDLED / f"{table}.parquet"
        if parquet.is_file():
            connection.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{parquet}')")
    add_press_reported_votes(connection)
    connection.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTONOMY_WAREHOUSE", str(path))
        yield path


@pytest.fixture(scope="module")
def report(warehouse: Path) -> Callable[..., bytes]:
    """build_report with results kept for the module (each report takes a few seconds)."""
    return functools.cache(lambda country, fmt, **options: build_report(country, fmt, **options))


def expected_alignment() -> dict[str, float]:
    frame = api.vote_agreement("KGZ", ["CHN", "RUS", "USA", "JPN"])
    frame = frame.filter(pl.col("n_votes") >= MIN_VOTES)
    latest = frame.filter(pl.col("year") == frame["year"].max())
    return dict(zip(latest["partner_iso3"], latest["agreement"]))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\s+", " ", text)


def test_briefing_facts_match_the_api(warehouse: Path) -> None:
    briefing = gather("KGZ", since=2010)
    deps = api.dependence("KGZ", dimension="trade", year=2020)
    top = deps.filter(pl.col("measure") == "total_share").sort("value", descending=True)
    assert briefing.facts["trade_top"][0] == (
        top["partner_iso3"][0],
        pytest.approx(top["value"][0]),
    )
    assert briefing.facts["trade_since"] == 2010
    assert briefing.facts["alignment"] == pytest.approx(expected_alignment())
    trade = briefing.sections[0].sentences
    assert "Russia (45.0%)" in trade[0] and "2020" in trade[0]
    assert "risen from 40.0% to 45.0%" in trade[1]
    assert briefing.origin == "warehouse" and "read from the data warehouse" in briefing.as_of


def test_pdf_text_has_country_and_figures_from_the_api(
    report: Callable[..., bytes], tmp_path: Path
) -> None:
    text = pdf_text(report("KGZ", "pdf", since=2010), tmp_path)
    assert "Kyrgyzstan: strategic autonomy briefing" in text
    assert "45.0%" in text and "76.3%" in text and "591,025" in text
    for partner, agreement in expected_alignment().items():
        assert f"{agreement * 100:.1f}%" in text, partner
    assert "A/RES/ES-11/1" in text
    assert "Appendix: sources and vintages" in text


def test_pdf_renders_to_pages(report: Callable[..., bytes], tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(report("KGZ", "pdf"))
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    assert all(page.stat().st_size > 2000 for page in pages)


def test_html_is_self_contained_and_has_the_same_figures(report: Callable[..., bytes]) -> None:
    page = report("KGZ", "html", since=2010).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Kyrgyzstan: strategic autonomy briefing" in page
    assert "45.0%" in page and "76.3%" in page
    for agreement in expected_alignment().values():
        assert f"{agreement * 100:.1f}%" in page
    assert page.count("<svg") >= 4
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_same_input_gives_identical_bytes(report: Callable[..., bytes], tmp_path: Path) -> None:
    first = report("KGZ", "pdf")
    assert build_report("KGZ", "pdf") == first
    assert build_report("KGZ", "html") == report("KGZ", "html")
    out = tmp_path / "cli.pdf"
    subprocess.run(
        [sys.executable, "-m", "autonomy_monitor.cli.main", "report", "KGZ", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"country": "XXX"}, "Unknown country"),
        ({"country": "C5"}, "one country"),
        ({"country": "KGZ", "year": 1950}, "no dependence data for KGZ before 2010"),
        ({"country": "KGZ", "year": 3000}, "out of range"),
        ({"country": "KGZ", "year": 2015, "since": 2020}, "must be earlier"),
        ({"country": "KGZ", "lang": "fr"}, "Unknown language"),
        ({"country": "KGZ", "fmt": "docx"}, "Unknown report format"),
    ],
)
def test_bad_arguments_give_one_sentence(warehouse: Path, args: dict, message: str) -> None:
    with pytest.raises(api.AutonomyError, match=message):
        build_report(**args)


def test_cli_writes_the_file_and_reports_errors(warehouse: Path, tmp_path: Path) -> None:
    from autonomy_monitor.cli.main import app

    runner = CliRunner()
    out = tmp_path / "kgz.html"
    result = runner.invoke(app, ["report", "KGZ", "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Kyrgyzstan" in out.read_text("utf-8")
    bad = runner.invoke(app, ["report", "Atlantis"])
    assert bad.exit_code == 2
    assert "Unknown country" in bad.output
    missing = runner.invoke(
        app, ["report", "KGZ", "--out", str(tmp_path / "no" / "such" / "dir.pdf")]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_japanese_and_russian_reports(report: Callable[..., bytes], tmp_path: Path) -> None:
    ja = report("KGZ", "html", lang="ja").decode("utf-8")
    assert "キルギス" in ja and "要点" in ja and 'lang="ja"' in ja
    ru = report("KGZ", "html", lang="ru").decode("utf-8")
    assert "Кыргызстан" in ru and "Главное" in ru and "45,0" in ru
    assert (
        "доля России выросла" in ru
    )  # the partner declined by the catalog, not "доля партнёра «Россия»"
    text = pdf_text(report("KGZ", "pdf", lang="ja"), tmp_path)
    assert "戦略的自律性" in text


def visible_text(page: str) -> str:
    """The text a reader sees in an HTML briefing (tags, SVG markup and entities removed)."""
    import html

    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(
        r"<svg.*?</svg>",
        lambda m: " ".join(re.findall(r">([^<>]+)<", m.group(0))),
        page,
        flags=re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_sentences(page: str) -> list[str]:
    """Sentences of the English briefing: runs of at least four words (proper names and codes are
    shorter)."""
    text = re.sub(r"\s+", " ", visible_text(page))
    runs = re.findall(r"[A-Za-z][A-Za-z'’,-]*(?: [A-Za-z][A-Za-z'’,-]*){3,}", text)
    return sorted(set(runs))


#: Runs of English words a translated briefing keeps on purpose: publishers' and datasets' proper
# names, : resolution titles the UN publishes in English only (marked as English), file names.
KEPT_ENGLISH = re.compile(
    r"Strategic Autonomy Monitor|Statistical Review of World Energy|International Migrant Stock|"
    r"Direction of Trade Statistics|Test |"
    # resolution titles: the UN publishes no Japanese and (here) no Russian titles; marked as
    # English
    r"Ukraine|Charter of the United Nations|Human Rights Council|aggression|Territorial integrity|"
    r"Humanitarian consequences|Furtherance of",
    re.I,
)


@pytest.mark.parametrize("lang", ["ja", "ru"])
def test_no_english_sentence_survives_translation(report: Callable[..., bytes], lang: str) -> None:
    english = english_sentences(report("KGZ", "html").decode("utf-8"))
    assert len(english) > 30
    translated = re.sub(r"\s+", " ", visible_text(report("KGZ", "html", lang=lang).decode("utf-8")))
    survived = [s for s in english if s in translated and not KEPT_ENGLISH.search(s)]
    assert survived == [], f"{lang} briefing still has English: {survived[:10]}"


def test_findings_name_year_and_source(warehouse: Path) -> None:
    briefing = gather("KGZ")
    assert len(briefing.findings) >= 4
    for line in briefing.findings:
        assert re.search(r"\((19|20)\d\d", line) and "Source:" in line, line
    newest = max(int(y) for y in re.findall(r"\(((?:19|20)\d\d)", " ".join(briefing.findings)))
    for line in briefing.findings:
        year = int(re.search(r"\(((?:19|20)\d\d)", line).group(1))
        assert ("latest available" in line) == (newest - year > 2), line


def test_no_command_line_text_in_the_body(report: Callable[..., bytes]) -> None:
    page = report("KGZ", "html").decode("utf-8")
    body, appendix = page.split('<section id="sources"', 1)
    assert "`" not in visible_text(page)
    assert not re.search(
        r"autonomy (report|scenario|methodology|build|dependence)", visible_text(body)
    )
    assert "How to reproduce" in visible_text(appendix) and "autonomy report KGZ" in visible_text(
        appendix
    )


def test_appendix_lists_each_input_once_with_a_short_hash(warehouse: Path) -> None:
    briefing = gather("KGZ")
    table = briefing.appendix.tables[0]
    assert table["columns"][-1] == "SHA-256"
    assert len(table["rows"]) == api.provenance().height
    assert all(len(row) == 4 and len(row[-1]) <= 10 for row in table["rows"])


def test_vote_grid_has_every_es11_resolution(warehouse: Path) -> None:
    briefing = gather("KGZ")
    votes = next(s for s in briefing.sections if s.key == "votes")
    shown = {row[0].rstrip(" *") for row in votes.tables[0]["rows"]}
    stored = {
        s
        for s in api.country_key_votes(["KGZ"])["resolution_symbol"].to_list()
        if s.startswith("A/RES/ES-11/")
    }
    assert stored and stored <= shown
    assert "A/RES/ES-11/5" in shown
    rows = {row[0]: row for row in votes.tables[0]["rows"]}
    assert rows["A/RES/ES-11/7 *"][-1] == "press reports, partial: example.org"
    unnumbered = [row for key, row in rows.items() if key.startswith("ES-11, resumed session")]
    assert (
        len(unnumbered) == 1
        and unnumbered[0][0].endswith(" *")
        and "example.net" in unnumbered[0][-1]
    )
    assert any("press reports and are partial" in s for s in votes.sentences)
    assert (
        briefing.facts["votes"]["A/RES/ES-11/7"] == "–"
    )  # KGZ is not named in that record: not reported


def test_pdf_last_page_is_not_nearly_empty(report: Callable[..., bytes], tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(report("KGZ", "pdf"))
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    lines = [len([line for line in p.splitlines() if line.strip()]) for p in pages]
    assert lines[-1] >= 15, lines  # the appendix page holds the provenance table


def test_report_works_on_the_bundled_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # runs with its own environment: the module warehouse is replaced by an absent file
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    page = build_report("KGZ", "html").decode("utf-8")
    assert "Kyrgyzstan" in page and "Alignment at the United Nations" in page


def test_scenarios_section_matches_the_api(warehouse: Path) -> None:
    section = next(s for s in gather("KGZ").sections if s.key == "scenarios")
    expected = set()
    for name in api.scenario_list()["name"]:
        try:
            key = api.scenario_key_rows(api.run_scenario(name))
        except api.AutonomyError:
            continue
        if key.filter(
            (pl.col("country_iso3") == "KGZ") & (pl.col("difference").abs() > 1e-12)
        ).height:
            expected.add(name)
    assert expected, (
        "the synthetic warehouse should let at least one bundled scenario about KGZ run"
    )
    titles = {api.scenario_spec(name).scenario.title for name in expected}
    assert {row[0] for table in section.tables for row in table["rows"] if row[0]} == titles
    assert any("→" in sentence for sentence in section.sentences)


def test_settings_choose_the_store(
    warehouse: Path, report: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    page = build_report("KGZ", "html", since=2010, settings=Settings(warehouse=warehouse))
    assert page == report("KGZ", "html", since=2010)


def test_charts_drawn_in_the_background_are_those_drawn_one_by_one(warehouse: Path) -> None:
    from autonomy_monitor.reports.render import ChartDrawer, chart_svg, rendered_charts

    briefing = gather("KGZ", lang="ru")
    requests = [request for section in briefing.sections for request in section.charts]
    assert len(requests) >= 3
    one_by_one = [chart_svg(request, "ru")["svg"] for request in requests]
    with ChartDrawer("ru") as drawer:  # no cache: every chart drawn in the drawer's thread
        for request in requests:
            drawer.submit(request)
        drawn = [
            svg for section in rendered_charts(briefing, drawer=drawer) for _, svg, _ in section
        ]
    assert drawn == one_by_one


def test_a_briefing_drawn_from_no_cache_imports_no_altair(warehouse: Path, tmp_path: Path) -> None:
    # a fresh process and a warehouse copy with an empty chart cache beside it: every chart built
    store = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, store)
    code = (
        "import sys; from autonomy_monitor.reports import build_report; "
        "data = build_report('KGZ', 'html'); "
        "heavy = {m.split('.')[0] for m in sys.modules} & {'altair', 'jsonschema'}; "
        "print(len(data), sorted(heavy))"
    )
    env = {**os.environ, "AUTONOMY_WAREHOUSE": str(store)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    assert int(out[0]) > 10_000 and out[1:] == ["[]"], out
    assert len(list((tmp_path / "cache" / "charts").glob("*.json"))) >= 3
