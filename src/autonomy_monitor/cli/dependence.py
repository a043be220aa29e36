"""``autonomy dependence`` and ``autonomy profile``: where a country's dependence lies."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, rich_table, user_errors
from autonomy_monitor.cli.products import show_products

if TYPE_CHECKING:
    import polars as pl

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
]


@user_errors
def dependence_command(
    country: Annotated[str, typer.Argument(help="Country: ISO3 code or name, e.g. KGZ.")],
    on: Annotated[
        str | None,
        typer.Option(
            "--on", help="Partners: codes, names or groups (C5, EU27...), comma-separated."
        ),
    ] = None,
    dimension: Annotated[
        str,
        typer.Option(
            "--dimension",
            "-d",
            help=(
                "trade, remittances, migration, aid, finance, energy, "
                "all, or products (HS6, built with --baci-dir)."
            ),
        ),
    ] = "all",
    year: Annotated[int | None, typer.Option("--year", help="One year.")] = None,
    start: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Dependence of COUNTRY on each partner by dimension and year, with method, source and flag."""
    import polars as pl

    if dimension == "products":  # HS6 strategic dependencies (cli/products.py)
        show_products(country, year=year, start=start, end=end, fmt=fmt, out=out)
        return
    frame = api.dependence(country, on, dimension=dimension, year=year, start=start, end=end)
    if fmt is not OutputFormat.table:
        print_frame(frame, fmt, out=out)
        return
    if dimension in ("remittances", "all"):
        show_remittance_totals(country, year=year, start=start, end=end)
    if frame.is_empty():
        console().print(
            f"No dependence values for {country.upper()} "
            f"with these options (dimension {dimension})."
        )
        return
    for dim in frame["dimension"].unique(maintain_order=True):
        part = frame.filter(pl.col("dimension") == dim)
        units = ", ".join(
            f"{m}: {u}"
            for m, u in part.select("measure", "unit").unique(maintain_order=True).iter_rows()
        )
        sources = " | ".join(part["source"].unique(maintain_order=True).head(2).to_list())
        more = part["source"].n_unique() - 2
        caption = f"Units — {units}.\nSources — {sources}" + (
            f" (+{more} more; --format csv lists all)" if more > 0 else ""
        )
        if dim == "remittances":
            console().print(
                rich_table(
                    remittance_view(part),
                    title=f"{api.country_name(frame['country_iso3'][0])} — remittances by sender",
                    caption=caption,
                )
            )
            continue
        if part["flag"].str.contains(REPORTED_TOTAL_FLAG).any():
            caption += (
                f"\n{REPORTED_TOTAL_FLAG}: share of the country's total trade "
                "as its statistics office reports it (the partner rows leave "
                "out gold and unallocated trade), not of the partners listed; "
                "the totals are the <flow>_denominator_usd rows (without --on)."
            )
        wide = api.dependence_wide_view(part).drop("dimension")
        if wide["flag"].null_count() == wide.height:
            wide = wide.drop("flag")
        console().print(
            rich_table(
                wide, title=f"{api.country_name(frame['country_iso3'][0])} — {dim}", caption=caption
            )
        )


REPORTED_TOTAL_FLAG = (
    "share_of_reported_total"  # set by the trade step (pipeline/steps/trade_step.py)
)


def remittance_view(part: pl.DataFrame) -> pl.DataFrame:
    """One row per sender and year: share with its 90 % interval, US$ bn, % of GDP, method."""
    import polars as pl

    wide = api.dependence_wide_view(part.filter(pl.col("partner_iso3").is_not_null()))

    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in wide.columns else pl.lit(None, dtype=pl.Float64)

    return wide.select(
        pl.col("partner_iso3").alias("sender"),
        "year",
        (col("remittance_share") * 100).round(1).alias("share_pct"),
        pl.format(
            "{}–{}",
            (col("remittance_share_lo") * 100).round(1),
            (col("remittance_share_hi") * 100).round(1),
        ).alias("interval_90_pct"),
        (col("remittances_usd") / 1e9).round(3).alias("usd_bn"),
        (col("remittance_dependence") * 100).round(2).alias("pct_of_gdp"),
        "method",
    )


def show_remittance_totals(
    country: str, *, year: int | None, start: int | None, end: int | None
) -> None:
    """How big is it? Remittances received per year (US$ and % of GDP) with their source."""
    import polars as pl

    if not api.has_remittance_totals():
        console().print(
            "Remittances received (totals): not in this warehouse or bundled snapshot (table "
            "out_remittances__totals); run `autonomy build --source-dir DIR` to add them."
        )
        return
    first, last = (year, year) if year is not None else (start, end)
    totals = api.remittance_totals(country, start=first, end=last)
    if totals.is_empty():
        return
    table = totals.select(
        "year",
        (pl.col("remittances_usd") / 1e9).round(3).alias("received_usd_bn"),
        (pl.col("remittances_gdp_share") * 100).round(1).alias("pct_of_gdp"),
        "source",
    )
    console().print(
        rich_table(
            table,
            title=(
                f"{api.country_name(totals['country_iso3'][0])} "
                "— remittances received (all senders)"
            ),
            caption="US$ bn, current; % of GDP = remittances / WDI GDP (NY.GDP.MKTP.CD).",
        )
    )


@user_errors
def profile_command(
    country: Annotated[str, typer.Argument(help="Country: ISO3 code or name, e.g. UZB.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One screen: largest dependencies by dimension, governance context, UN vote agreement with the
    powers."""
    import polars as pl

    result = api.profile(country)
    if fmt is not OutputFormat.table:
        print_frame(profile_frame(result), fmt)
        return
    name = api.country_name(result.country_iso3)
    deps = result.dependencies
    if deps.height:
        labels = [short_source(row) for row in deps.iter_rows(named=True)]
        deps = deps.with_columns(pl.Series("source", labels), pl.col("flag").fill_null("")).select(
            "dimension",
            pl.col("partner_iso3").alias("partner"),
            "measure",
            "value",
            "year",
            "source",
            "flag",
        )
        if (deps["flag"] == "").all():
            deps = deps.drop("flag")
    console().print(
        rich_table(
            deps,
            title=(
                f"{name} ({result.country_iso3}): largest dependencies, latest year per dimension"
            ),
        )
    )
    totals = result.remittance_totals
    if totals.height:
        console().print(
            rich_table(
                totals.select(
                    "year",
                    (pl.col("remittances_usd") / 1e9).round(3).alias("received_usd_bn"),
                    (pl.col("remittances_gdp_share") * 100).round(1).alias("pct_of_gdp"),
                    "source",
                ),
                title="Remittances received, all senders (latest year)",
            )
        )
    if result.governance.height:
        gov = result.governance.with_columns(pl.col("scale").str.replace(r"; edition year.*$", ""))
        console().print(rich_table(gov, title="Governance context (not a dependence)"))
    if result.alignment.height:
        console().print(
            rich_table(
                result.alignment.with_columns(pl.lit("UNGA roll calls").alias("source")),
                title="UN vote agreement with the powers, latest year",
            )
        )


SHORT_SOURCES = {
    "migration": "UN DESA IMS 2020",
    "aid": "OECD DAC2a",
    "finance": "AidData GCDF 3.0 / WDI GDP",
    "energy": "EI Stat. Review 2024",
}


REMITTANCE_METHOD_LABELS = {
    "central_bank_anchor": "central-bank figure",
    "smoothed_from_anchors": "between central-bank figures",
    "model_remainder": "model (rest of total)",
    "model_calibrated": "calibrated model",
}


def short_source(row: dict) -> str:
    """A one-line source label for the profile (the full text is in --format csv/json)."""
    if row["dimension"] == "remittances":
        labels = (
            ("total: WDI", "WDI total"),
            ("total: KNOMAD", "KNOMAD total"),
            ("total: none", "share only (no total yet)"),
        )
        total = next((label for key, label in labels if key in row["source"]), "central-bank total")
        return f"{total}; shares: {REMITTANCE_METHOD_LABELS.get(row['method'], row['method'])}"
    return SHORT_SOURCES.get(row["dimension"], row["source"])


def profile_frame(result: api.Profile) -> pl.DataFrame:
    """The profile as one long frame (section, label, partner, value, year, source) for csv/json."""
    import polars as pl

    deps = result.dependencies.select(
        pl.lit("dependence").alias("section"),
        pl.col("dimension") + "/" + pl.col("measure"),
        "partner_iso3",
        "value",
        "year",
        "source",
    )
    deps.columns = ["section", "label", "partner_iso3", "value", "year", "source"]
    parts = [deps.cast({"year": pl.Int32})]
    if result.governance.height:
        parts.append(
            result.governance.select(
                pl.lit("governance").alias("section"),
                pl.col("indicator").alias("label"),
                pl.lit(None, dtype=pl.String).alias("partner_iso3"),
                "value",
                pl.col("year").cast(pl.Int32),
                "source",
            )
        )
    if result.remittance_totals.height:
        parts.append(
            result.remittance_totals.select(
                pl.lit("remittance_totals").alias("section"),
                pl.lit("remittances_usd").alias("label"),
                pl.lit(None, dtype=pl.String).alias("partner_iso3"),
                pl.col("remittances_usd").alias("value"),
                pl.col("year").cast(pl.Int32),
                "source",
            )
        )
    if result.alignment.height:
        parts.append(
            result.alignment.select(
                pl.lit("alignment").alias("section"),
                pl.lit("agreement").alias("label"),
                "partner_iso3",
                pl.col("agreement").alias("value"),
                pl.col("year").cast(pl.Int32),
                "source",
            )
        )
    return pl.concat(parts, how="vertical_relaxed")
