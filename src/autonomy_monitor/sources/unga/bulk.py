"""UN General Assembly roll-call votes 1946–2026 from the staged bulk files.

Inputs (``<source_dir>/unga_votes/``, see its SOURCES.md):

* ``unvotes_un_votes.rda``, ``unvotes_un_roll_calls.rda``, ``unvotes_un_roll_call_issues.rda``
  — Voeten's data via the R package *unvotes* 0.3.0 (1946 – Dec 2019). Absences are not rows.
* ``voeten_unga_votes_wide_1946_2024.parquet`` — the same roll calls (by ``rcid``) with
  absence coding: 1 yes, 2 abstain, 3 no, 8 absent, 9 not a member. Used only to add ``X``
  for members that did not vote on unvotes roll calls.
* ``unga_votes_unxml_2019_2026.parquet`` + ``unga_resolutions_unxml_2019_2026.csv`` — UN
  DGACM machine-readable extracts (7 Nov 2019 – Jun 2026, incl. ES-11) with official tallies.

Merge rules
-----------
* A roll call of late 2019 present in both unvotes and the UN extract (same resolution
  symbol, adoption vote) is kept once, from the UN extract (official), with unvotes' issue
  codes and its rcid carried over.
* ``X`` only for members who did not vote: in the unvotes period from the wide file's code
  8; in the UN extract from its own ``X``. Non-members have no row.
* States are coded as they were on the vote's date (Russia before 25 Dec 1991 is SUN,
  Serbia before June 2006 SCG and before 27 Apr 1992 YUG; see ``countries.state_on``).
* Identity: ``resolution_symbol`` is the canonical UN symbol (``A/RES/68/262``,
  ``A/RES/2758(XXVI)``, ``A/RES/ES-11/1``; null where the source gives no resolution
  number, see ``symbol_note``), ``source_key`` the source's own key (``R/68/262``),
  ``vote_kind`` resolution / paragraph / amendment, ``draft_symbol`` the draft (L.)
  document where the source cites one; ``title`` is cleaned and ``title_note`` says where
  it comes from or that the source has none; ``source_title`` keeps the source's raw title
  (used to bridge re-voted texts in the ideal-point model). Rules: :mod:`.identity`.
* ``issue_tags``: Voeten's six codes, from unvotes or from UNBIS subjects, and ``ukraine``
  by the rules of :mod:`.tags` (``ukraine_rule`` names the rule that applied).
* Tallies: for every UN-extract roll call with an official tally, the stored Y/N/A counts
  are compared with it; mismatches go to ``qa_unga__tally_mismatches`` and provenance.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor import countries
from autonomy_monitor.errors import BadInput
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult, require_file
from autonomy_monitor.sources import bulk_common
from autonomy_monitor.sources.unga import identity, press, tags

FOLDER = "unga_votes"
UNVOTES_FILES = {
    "votes": "unvotes_un_votes.rda",
    "roll_calls": "unvotes_un_roll_calls.rda",
    "issues": "unvotes_un_roll_call_issues.rda",
}
CATALOG = "unga_bulk"  # the bulk files' catalog entry (unga.yaml is the live UN Digital Library)
WIDE_FILE = "voeten_unga_votes_wide_1946_2024.parquet"
EXTRACT_VOTES_FILE = "unga_votes_unxml_2019_2026.parquet"
EXTRACT_RESOLUTIONS_FILE = "unga_resolutions_unxml_2019_2026.csv"

REQUIRED_COLUMNS = {
    "votes": {"rcid", "country", "vote"},
    "roll_calls": {
        "rcid",
        "session",
        "importantvote",
        "date",
        "unres",
        "amend",
        "para",
        "short",
        "descr",
    },
    "issues": {"rcid", "short_name"},
    WIDE_FILE: {"rcid", "date"},
    EXTRACT_VOTES_FILE: {"resolution", "date", "ms_code", "ms_vote"},
    EXTRACT_RESOLUTIONS_FILE: {
        "resolution",
        "session",
        "date",
        "title",
        "adoption_type",
        "total_yes",
        "total_no",
        "total_abstentions",
        "subjects",
    },
}

VOTE_WORDS = {"yes": "Y", "no": "N", "abstain": "A"}
WIDE_CODES = {1: "Y", 2: "A", 3: "N", 8: "X"}
VOETEN_TAGS = ("me", "nu", "di", "hr", "co", "ec")

ROLL_CALL_SCHEMA = contracts.polars_schema("core_unga__roll_calls")  # declared in catalog/tables/
VOTE_SCHEMA = contracts.polars_schema("core_unga__votes")  # declared in catalog/tables/


def load(source_dir: Path) -> SourceResult:
    """Read all UN vote files under ``source_dir/unga_votes`` into the two core tables."""
    folder = source_dir / FOLDER
    records: dict[str, InputRecord] = {}
    unvotes_calls, unvotes_votes = read_unvotes(folder, records)
    extract_calls, extract_votes = read_extract(folder, records)
    unvotes_calls, unvotes_votes, extract_calls = drop_overlap(
        unvotes_calls, unvotes_votes, extract_calls, records
    )
    unvotes_votes = add_absences(folder, unvotes_calls, unvotes_votes, records)
    roll_calls = pl.concat([unvotes_calls, extract_calls], how="vertical")
    roll_calls = (
        tags.with_ukraine_tag(roll_calls)
        .select(ROLL_CALL_SCHEMA.keys())
        .sort("date", "roll_call_id")
    )
    votes = pl.concat([unvotes_votes, extract_votes], how="vertical").sort(
        "roll_call_id", "country_iso3"
    )
    mismatches = tally_mismatches(roll_calls, votes)
    records[EXTRACT_VOTES_FILE].reject(
        "tally mismatch (listed in qa_unga__tally_mismatches)", mismatches.height
    )
    tables = {"core_unga__roll_calls": roll_calls, "core_unga__votes": votes}
    press_votes = read_press(folder, roll_calls, records)
    if press_votes is not None:
        tables[press.TABLE] = press_votes
    return SourceResult(
        tables=tables,
        inputs=list(records.values()),
        checks={"qa_unga__tally_mismatches": mismatches},
    )


# --- reading -------------------------------------------------------------------------------


def new_record(path: Path) -> InputRecord:
    """Provenance record of one file; publisher and licence per file from
    catalog/sources/unga_bulk.yaml."""
    return bulk_common.new_record("unga", FOLDER, path, catalog_name=CATALOG)


def check_columns(frame_columns: list[str], key: str, path: Path) -> None:
    missing = sorted(REQUIRED_COLUMNS[key] - set(frame_columns))
    if missing:
        raise BadInput(f"{path}: missing column(s) {', '.join(missing)}; is this the right file?")


def read_rda(path: Path, key: str) -> pl.DataFrame:
    """Read the single data frame of an .rda file (pyreadr), checking its columns."""
    import pyreadr

    try:
        frames = pyreadr.read_r(str(path))
    except Exception as error:  # pyreadr raises its own error types for corrupt files
        raise BadInput(
            f"{path}: cannot be read as an R data file ({error}); the file may be truncated."
        ) from None
    if len(frames) != 1:
        raise BadInput(f"{path}: expected one data frame, found {len(frames)}.")
    frame = next(iter(frames.values()))
    check_columns(list(frame.columns), key, path)
    return pl.from_pandas(frame)


def read_parquet(path: Path, key: str) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as error:
        raise BadInput(
            f"{path}: cannot be read as Parquet ({type(error).__name__}); "
            "the file may be truncated or corrupt."
        ) from None
    check_columns(frame.columns, key, path)
    return frame


def read_csv(path: Path, key: str) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except Exception as error:
        raise BadInput(
            f"{path}: cannot be read as CSV ({type(error).__name__}: {error})."
        ) from None
    check_columns(frame.columns, key, path)
    return frame


def read_unvotes(
    folder: Path, records: dict[str, InputRecord]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    paths = {key: require_file(folder / name, "unga") for key, name in UNVOTES_FILES.items()}
    for path in paths.values():
        records[path.name] = new_record(path)
    raw_votes = read_rda(paths["votes"], "votes")
    raw_calls = read_rda(paths["roll_calls"], "roll_calls")
    raw_issues = read_rda(paths["issues"], "issues")
    calls = unvotes_roll_calls(raw_calls, raw_issues, paths["roll_calls"])
    votes = unvotes_votes(raw_votes, calls, paths["votes"], records[paths["votes"].name])
    records[paths["roll_calls"].name].rows_read = raw_calls.height
    records[paths["roll_calls"].name].rows_kept = calls.height
    records[paths["issues"].name].rows_read = raw_issues.height
    records[paths["issues"].name].rows_kept = raw_issues.height
    return calls, votes


def unvotes_roll_calls(raw: pl.DataFrame, issues: pl.DataFrame, path: Path) -> pl.DataFrame:
    """unvotes roll calls in the core schema; roll_call_id = 'rc<rcid>'."""
    raw = raw.with_columns(pl.col("rcid").cast(pl.Int32))
    if raw["rcid"].is_duplicated().any():
        dupes = raw.filter(pl.col("rcid").is_duplicated())["rcid"].unique().sort().head(5).to_list()
        raise BadInput(f"{path}: duplicated rcid values {dupes}; the file is corrupt.")
    issue_tags = (
        issues.with_columns(pl.col("rcid").cast(pl.Int32))
        .group_by("rcid")
        .agg(pl.col("short_name").unique().sort().alias("issue_tags"))
    )
    if raw.schema["date"] == pl.String:
        raw = raw.with_columns(pl.col("date").str.to_date("%Y-%m-%d", strict=False))
    if raw["date"].null_count():
        raise BadInput(f"{path}: {raw['date'].null_count()} roll call(s) without a readable date.")
    title, title_note = identity.unvotes_title(pl.col("short"), pl.col("descr"))
    symbol = identity.canonical_symbols(
        pl.col("unres").cast(pl.String), pl.col("session").cast(pl.Int32)
    )
    frame = raw.join(issue_tags, on="rcid", how="left").with_columns(
        pl.format("rc{}", pl.col("rcid")).alias("roll_call_id"),
        symbol.alias("resolution_symbol"),
        pl.col("date").cast(pl.Date),
        pl.col("session").cast(pl.Int32).cast(pl.String),
        title.alias("title"),
        title_note.alias("title_note"),
        pl.coalesce(non_empty("short"), non_empty("descr")).alias("source_title"),
        non_empty("unres").alias("source_key"),
        pl.when(symbol.is_null()).then(pl.lit(identity.NO_SYMBOL_NOTE)).alias("symbol_note"),
        identity.vote_kind(pl.col("amend"), pl.col("para")).alias("vote_kind"),
        pl.when(title_note != identity.TITLE_NOTES["none"])
        .then(identity.first_draft_symbol(pl.col("descr").cast(pl.String)))
        .alias("draft_symbol"),
        pl.lit(None, dtype=pl.String).alias("ukraine_rule"),
        pl.col("issue_tags").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        (pl.col("importantvote").cast(pl.String) == "1").alias("is_important"),
        pl.lit("unvotes").alias("source"),
        pl.col("rcid").alias("voeten_rcid"),
        pl.lit(None, dtype=pl.String).alias("subjects"),
        *(
            pl.lit(None, dtype=pl.Int32).alias(c)
            for c in ("official_yes", "official_no", "official_abstain")
        ),
    )
    return frame.select(ROLL_CALL_SCHEMA.keys()).cast(ROLL_CALL_SCHEMA)


def non_empty(column: str) -> pl.Expr:
    """A text column with empty or blank strings as null (unvotes' ``short`` is often '')."""
    text = pl.col(column).cast(pl.String)
    return pl.when(text.str.strip_chars() != "").then(text)


def unvotes_votes(
    raw: pl.DataFrame, calls: pl.DataFrame, path: Path, record: InputRecord
) -> pl.DataFrame:
    """unvotes votes, names resolved and coded as the state that existed on the vote's date."""
    record.rows_read = raw.height
    raw = raw.with_columns(pl.col("rcid").cast(pl.Int32), pl.col("vote").cast(pl.String))
    bad_votes = raw.filter(~pl.col("vote").is_in(list(VOTE_WORDS)))
    if bad_votes.height:
        raise BadInput(
            f"{path}: unknown vote value {bad_votes['vote'][0]!r} (expected yes, no or abstain)."
        )
    mapping = countries.resolve_names(raw["country"].to_list(), source=str(path))
    frame = raw.with_columns(
        pl.col("country").cast(pl.String).replace_strict(mapping).alias("code"),
        pl.col("vote").replace_strict(VOTE_WORDS).alias("vote"),
    ).join(
        calls.select(pl.col("voeten_rcid").alias("rcid"), "roll_call_id", "date"),
        on="rcid",
        how="left",
    )
    orphans = frame.filter(pl.col("roll_call_id").is_null()).height
    record.reject("vote for an rcid missing from the roll-call file", orphans)
    frame = frame.filter(pl.col("roll_call_id").is_not_null())
    frame = frame.with_columns(country_iso3=state_on_date(pl.col("code"), pl.col("date")))
    before = frame.height
    frame = frame.unique(["roll_call_id", "country_iso3"], keep="first", maintain_order=True)
    record.reject("duplicated country vote on one roll call", before - frame.height)
    record.rows_kept = frame.height
    return frame.select(VOTE_SCHEMA.keys()).cast(VOTE_SCHEMA)


def state_on_date(code: pl.Expr, date: pl.Expr) -> pl.Expr:
    """Map a code to its present-day continuator, then to the state that existed on ``date``."""
    current = code.replace({c: countries.current_state(c) for c in ("SUN", "YUG", "SCG")})
    return countries.state_on_expr(current, date)


def read_extract(
    folder: Path, records: dict[str, InputRecord]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    votes_path = require_file(folder / EXTRACT_VOTES_FILE, "unga")
    calls_path = require_file(folder / EXTRACT_RESOLUTIONS_FILE, "unga")
    records[votes_path.name] = new_record(votes_path)
    records[calls_path.name] = new_record(calls_path)
    raw_votes = read_parquet(votes_path, EXTRACT_VOTES_FILE)
    raw_calls = read_csv(calls_path, EXTRACT_RESOLUTIONS_FILE)
    votes = extract_votes(raw_votes, votes_path, records[votes_path.name])
    calls = extract_roll_calls(raw_calls, votes, calls_path, records[calls_path.name])
    return calls, votes


def extract_votes(raw: pl.DataFrame, path: Path, record: InputRecord) -> pl.DataFrame:
    record.rows_read = raw.height
    bad = raw.filter(~pl.col("ms_vote").is_in(["Y", "N", "A", "X"]))
    if bad.height:
        raise BadInput(
            f"{path}: unknown ms_vote value {bad['ms_vote'][0]!r} in "
            f"row for {bad['resolution'][0]} (expected Y, N, A or X)."
        )
    unknown = sorted(set(raw["ms_code"].unique().to_list()) - countries.known_codes())
    if unknown:
        raise BadInput(
            f"{path}: unknown ms_code value(s) "
            f"{', '.join(map(str, unknown))}; add them to the country table."
        )
    frame = raw.select(
        pl.format("ux:{}", pl.col("resolution")).alias("roll_call_id"),
        pl.col("ms_code").alias("country_iso3"),
        pl.col("ms_vote").alias("vote"),
    )
    before = frame.height
    conflicting = (
        frame.unique().group_by("roll_call_id", "country_iso3").len().filter(pl.col("len") > 1)
    )
    if conflicting.height:
        row = conflicting.row(0, named=True)
        raise BadInput(
            f"{path}: conflicting votes for {row['country_iso3']} "
            f"on {row['roll_call_id'][3:]}; the file is inconsistent."
        )
    frame = frame.unique(maintain_order=True)
    record.reject("duplicated row", before - frame.height)
    record.rows_kept = frame.height
    return frame.cast(VOTE_SCHEMA)


def parse_count(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Int32, strict=False)


def extract_roll_calls(
    raw: pl.DataFrame, votes: pl.DataFrame, path: Path, record: InputRecord
) -> pl.DataFrame:
    """One roll call per recorded-vote resolution that has votes in the vote file."""
    record.rows_read = raw.height
    if "originating_document" not in raw.columns:
        raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias("originating_document"))
    voted = votes.select(pl.col("roll_call_id").str.slice(3).alias("resolution")).unique()
    frame = raw.unique("resolution", keep="first", maintain_order=True)
    record.reject("duplicated resolution row", raw.height - frame.height)
    frame = frame.join(voted, on="resolution", how="inner")
    record.reject(
        "adopted without a recorded vote (no votes to store)",
        raw.height - record.rows_rejected - frame.height,
    )
    dates = frame["date"].str.to_date("%Y-%m-%d", strict=False)
    if dates.null_count():
        bad = frame.filter(dates.is_null())["resolution"][0]
        raise BadInput(f"{path}: unreadable date for {bad} (expected YYYY-MM-DD).")
    frame = frame.with_columns(
        pl.format("ux:{}", pl.col("resolution")).alias("roll_call_id"),
        pl.col("resolution")
        .map_elements(identity.normalise_symbol, return_dtype=pl.String)
        .alias("resolution_symbol"),
        dates.alias("date"),
        pl.coalesce(
            pl.col("resolution").str.extract(r"^A/RES/(ES-\d+|S-\d+|\d+)/", 1), pl.col("session")
        ).alias("session"),
        pl.col("title").str.strip_chars(),
        tags.subject_tags(pl.col("subjects")).alias("issue_tags"),
        pl.col("resolution").alias("source_key"),
        pl.lit(None, dtype=pl.String).alias("symbol_note"),
        pl.lit("resolution").alias("vote_kind"),
        identity.first_draft_symbol(pl.col("originating_document")).alias("draft_symbol"),
        pl.when(pl.col("title").str.strip_chars() != "")
        .then(pl.lit(identity.TITLE_NOTES["extract"]))
        .otherwise(pl.lit("no title in the source"))
        .alias("title_note"),
        pl.col("title").alias("source_title"),
        pl.lit(None, dtype=pl.String).alias("ukraine_rule"),
        pl.lit(False).alias("is_important"),
        pl.lit("unxml").alias("source"),
        pl.lit(None, dtype=pl.Int32).alias("voeten_rcid"),
        pl.col("subjects"),
        parse_count("total_yes").alias("official_yes"),
        parse_count("total_no").alias("official_no"),
        parse_count("total_abstentions").alias("official_abstain"),
    )
    record.rows_kept = frame.height
    return tags.with_ukraine_tag(
        frame.select(ROLL_CALL_SCHEMA.keys()).cast(ROLL_CALL_SCHEMA)
    ).select(ROLL_CALL_SCHEMA.keys())


def read_press(
    folder: Path, roll_calls: pl.DataFrame, records: dict[str, InputRecord]
) -> pl.DataFrame | None:
    """Press-reported votes (optional file), marked superseded where the UN extract has the vote."""
    path = folder / press.FILE
    if not path.is_file():
        return None
    record = records[path.name] = new_record(path)
    frame = press.mark_superseded(press.read(path), roll_calls.filter(pl.col("source") == "unxml"))
    record.rows_read = frame.height
    superseded = frame["superseded_by"].is_not_null().sum()
    record.reject("superseded by the official record (kept, flagged, not shown)", superseded)
    record.rows_kept = frame.height - superseded
    return frame


# --- merging -------------------------------------------------------------------------------


def drop_overlap(
    unvotes_calls: pl.DataFrame,
    unvotes_votes: pl.DataFrame,
    extract_calls: pl.DataFrame,
    records: dict[str, InputRecord],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Keep late-2019 roll calls once (from the UN extract), carrying unvotes' tags and rcid."""
    symbols = unvotes_calls.group_by("resolution_symbol").len()
    unique_symbols = symbols.filter(pl.col("len") == 1).select("resolution_symbol")
    overlap = (
        unvotes_calls.join(unique_symbols, on="resolution_symbol")
        .join(extract_calls.select("resolution_symbol"), on="resolution_symbol")
        .select(
            "resolution_symbol",
            "roll_call_id",
            "voeten_rcid",
            pl.col("issue_tags").alias("voeten_tags"),
        )
    )
    extract_calls = (
        extract_calls.join(overlap.drop("roll_call_id"), on="resolution_symbol", how="left")
        .with_columns(
            pl.coalesce("voeten_rcid_right", "voeten_rcid").alias("voeten_rcid"),
            pl.when(pl.col("voeten_tags").is_not_null())
            .then(pl.concat_list("voeten_tags", "issue_tags").list.unique().list.sort())
            .otherwise(pl.col("issue_tags"))
            .alias("issue_tags"),
        )
        .select(ROLL_CALL_SCHEMA.keys())
    )
    dropped = overlap["roll_call_id"]
    record = records[UNVOTES_FILES["roll_calls"]]
    record.reject("also in the UN extract (kept once, from the extract)", dropped.len())
    record.rows_kept -= dropped.len()
    kept_votes = unvotes_votes.filter(~pl.col("roll_call_id").is_in(dropped.implode()))
    records[UNVOTES_FILES["votes"]].reject(
        "roll call also in the UN extract", unvotes_votes.height - kept_votes.height
    )
    records[UNVOTES_FILES["votes"]].rows_kept = kept_votes.height
    return (
        unvotes_calls.filter(~pl.col("roll_call_id").is_in(dropped.implode())),
        kept_votes,
        extract_calls,
    )


def add_absences(
    folder: Path, calls: pl.DataFrame, votes: pl.DataFrame, records: dict[str, InputRecord]
) -> pl.DataFrame:
    """Add X rows for members coded absent (8) in the wide file, on unvotes roll calls."""
    path = require_file(folder / WIDE_FILE, "unga")
    record = records.setdefault(path.name, new_record(path))
    wide = read_parquet(path, WIDE_FILE)
    code_columns = [c for c in wide.columns if len(c) == 3 and c.isupper()]
    record.rows_read = wide.height
    long = (
        wide.select(pl.col("rcid").cast(pl.Int32), *code_columns)
        .unpivot(index="rcid", variable_name="code", value_name="code_vote")
        .filter(pl.col("code_vote") == 8)
        .join(
            calls.select(pl.col("voeten_rcid").alias("rcid"), "roll_call_id", "date"),
            on="rcid",
            how="inner",
        )
        .with_columns(country_iso3=wide_state_on_date(pl.col("code"), pl.col("date")))
    )
    absent = long.join(votes, on=["roll_call_id", "country_iso3"], how="anti")
    record.reject("absence coded for a country that voted (vote kept)", long.height - absent.height)
    members = absent.filter(was_member(pl.col("country_iso3"), pl.col("date")))
    record.reject("absence coded while not a UN member (dropped)", absent.height - members.height)
    absent = members.unique(["roll_call_id", "country_iso3"], keep="first", maintain_order=True)
    record.reject(
        "absence repeated (duplicated rcid row in the wide file)", members.height - absent.height
    )
    record.rows_kept = absent.height
    x_rows = absent.select("roll_call_id", "country_iso3", pl.lit("X").alias("vote")).cast(
        VOTE_SCHEMA
    )
    return pl.concat([votes, x_rows], how="vertical")


def was_member(code: pl.Expr, date: pl.Expr) -> pl.Expr:
    """True where the state existed and had joined the UN (by year) on ``date``."""
    table = countries.country_table()
    joined = dict(zip(table["iso3"], table["un_member_from"]))
    ended = {c: dt.date.fromisoformat(v) for c, v in zip(table["iso3"], table["valid_to"]) if v}
    since = code.replace_strict(joined, default=None, return_dtype=pl.Int32)
    until = code.replace_strict(ended, default=dt.date(9999, 1, 1), return_dtype=pl.Date)
    return (since.is_not_null()) & (date.dt.year() >= since) & (date < until)


def wide_state_on_date(code: pl.Expr, date: pl.Expr) -> pl.Expr:
    """The wide file merges successions into current codes (CZE holds Czechoslovakia)."""
    czech = (
        pl.when((code == "CZE") & (date < dt.date(1993, 1, 1))).then(pl.lit("CSK")).otherwise(code)
    )
    return state_on_date(czech, date)


def tally_mismatches(calls: pl.DataFrame, votes: pl.DataFrame) -> pl.DataFrame:
    """Roll calls whose stored Y/N/A counts differ from the official tally."""
    counts = votes.group_by("roll_call_id").agg(
        (pl.col("vote") == "Y").sum().cast(pl.Int32).alias("stored_yes"),
        (pl.col("vote") == "N").sum().cast(pl.Int32).alias("stored_no"),
        (pl.col("vote") == "A").sum().cast(pl.Int32).alias("stored_abstain"),
    )
    official = calls.filter(pl.col("official_yes").is_not_null()).select(
        "roll_call_id", "resolution_symbol", "official_yes", "official_no", "official_abstain"
    )
    joined = official.join(counts, on="roll_call_id", how="left")
    differs = (
        (pl.col("official_yes") != pl.col("stored_yes"))
        | (pl.col("official_no").fill_null(0) != pl.col("stored_no"))
        | (pl.col("official_abstain").fill_null(0) != pl.col("stored_abstain"))
    )
    return joined.filter(differs).sort("roll_call_id")
