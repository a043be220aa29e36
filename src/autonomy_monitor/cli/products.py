"""``autonomy dependence COUNTRY --dimension products``: strategic HS6 dependencies."""

from __future__ import annotations

from pathlib import Path


from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, rich_table

SHOWN = 25


def show_products(
    country: str,
    *,
    year: int | None,
    start: int | None,
    end: int | None,
    fmt: OutputFormat,
    out: Path | None,
) -> None:
    """Strategic products (largest imports first) and the China/Russia strategic import share."""
    import polars as pl

    products = api.product_dependence(country, year=year, start=start, end=end)
    shares = api.products_strategic_share(country, year=year, start=start, end=end)
    if fmt is not OutputFormat.table:
        print_frame(products, fmt, out=out)
        return
    code = api.parse_country_list(country)[0]
    name = api.country_name(code)
    if products.is_empty():
        console().print(
            f"No HS6 product of {name} meets the strategic-dependency criteria in these years."
        )
    else:
        shown = (
            products.head(SHOWN)
            .with_columns(
                (pl.col("import_usd") / 1e6).round(2).alias("import_musd"),
                pl.col("import_hhi").round(3),
                pl.col("world_export_hhi").round(3),
                pl.col("china_share").round(3),
                pl.col("russia_share").round(3),
            )
            .select(
                "year",
                "product",
                "import_musd",
                "import_hhi",
                "world_export_hhi",
                "china_share",
                "russia_share",
                "years_met",
            )
        )
        console().print(
            rich_table(
                shown,
                title=f"{name} — strategic HS6 dependencies ({products.height} product-years)",
                caption="Criteria (EU/CEPII): import HHI > 0.4, world "
                "export HHI > 0.4, imports > exports, in at least "
                "2 of the 3 years to that year. Source: CEPII BACI.",
            )
        )
    if shares.height:
        console().print(
            rich_table(
                shares.with_columns(pl.col("share").round(4)),
                title="Share of all imports that is strategic and supplied by China / Russia",
            )
        )
