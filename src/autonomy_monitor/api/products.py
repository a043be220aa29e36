"""Product-level (HS6) strategic dependence: ``autonomy dependence KAZ --dimension products``.

Reads ``out_products__strategic_dependence`` and ``out_products__strategic_share``, built by
``autonomy build --baci-dir DIR`` from CEPII BACI (or UN Comtrade bulk) files; definitions in
``indicators/relational.py`` and ``steps/products_step.py`` (EU/CEPII criteria: import HHI >
0.4, world export HHI > 0.4, imports > exports, held in at least 2 of 3 years).
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.api.arguments import DEPENDENCE, one_country, year_range
from autonomy_monitor.api.reader import has_table, query
from autonomy_monitor.errors import WarehouseMissing
from autonomy_monitor.settings import Settings

FLAGS_TABLE = "out_products__strategic_dependence"
SHARE_TABLE = "out_products__strategic_share"


def require_products(settings: Settings) -> None:
    if not has_table(settings, FLAGS_TABLE):
        raise WarehouseMissing(
            f"The table {FLAGS_TABLE} is not built: run `autonomy "
            "build --baci-dir DIR` with DIR holding the CEPII BACI yearly "
            "files (BACI_HS*_Y<year>_V*.csv) or UN Comtrade bulk CSV files."
        )


def product_dependence(
    country: str,
    *,
    year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    strategic_only: bool = True,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """HS6 products of ``country`` with supplier concentration and the strategic flag, largest
    imports first (only products flagged strategic unless ``strategic_only=False``)."""
    settings = settings or Settings()
    code = one_country(country)
    first, last = year_range(DEPENDENCE, year, start, end)
    require_products(settings)
    return query(
        settings,
        f"""
        SELECT country_iso3, product, year, import_usd, import_hhi, n_suppliers, export_usd,
               world_export_hhi, china_share, russia_share, years_met, strategic
        FROM {FLAGS_TABLE}
        WHERE country_iso3 = ? AND year BETWEEN ? AND ? AND (strategic OR NOT ?)
        ORDER BY year, import_usd DESC, product
        """,
        [code, first, last, strategic_only],
    )


def strategic_share(
    country: str,
    *,
    year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Share of ``country``'s import value in strategic products supplied by China / Russia."""
    settings = settings or Settings()
    code = one_country(country)
    first, last = year_range(DEPENDENCE, year, start, end)
    require_products(settings)
    return query(
        settings,
        f"""
        SELECT country_iso3, partner_iso3, year, strategic_import_usd, import_usd, share
        FROM {SHARE_TABLE}
        WHERE country_iso3 = ? AND year BETWEEN ? AND ?
        ORDER BY year, partner_iso3
        """,
        [code, first, last],
    )
