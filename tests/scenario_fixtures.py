"""Synthetic baseline rows (out_dependence__yearly schema) for the scenario and index tests."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

SCHEMA = {
    "country_iso3": pl.String,
    "partner_iso3": pl.String,
    "year": pl.Int32,
    "dimension": pl.String,
    "measure": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "method": pl.String,
    "source": pl.String,
    "flag": pl.String,
}
GDP = 100e9


def _rows(
    country: str,
    year: int,
    dimension: str,
    amounts: dict[str | None, float],
    names: dict[str, str],
    method: str,
    gdp: float | None = None,
) -> list[dict]:
    total = sum(amounts.values())
    rows = []
    for partner, amount in amounts.items():
        share = amount / total
        if partner is None:
            rows += [(names["unnamed_amount"], None, amount), (names["unnamed_share"], None, share)]
            continue
        rows += [(names["amount"], partner, amount), (names["share"], partner, share)]
        if gdp:
            rows.append((names["ratio"], partner, amount / gdp))
    named_total = sum(a for p, a in amounts.items())
    rows.append((names["hhi"], None, sum((a / named_total) ** 2 for a in amounts.values())))
    return [
        {
            "country_iso3": country,
            "partner_iso3": p,
            "year": year,
            "dimension": dimension,
            "measure": m,
            "value": v,
            "unit": "x",
            "method": method,
            "source": "synthetic",
            "flag": None,
        }
        for m, p, v in rows
    ]


def baseline(years: tuple[int, ...] = (2022, 2023)) -> pl.DataFrame:
    """UZB: remittances, trade, aid, energy; KGZ: remittances; migration stock of UZB in RUS."""
    rows: list[dict] = []
    rem = {
        "amount": "remittances_usd",
        "share": "remittance_share",
        "ratio": "remittance_dependence",
        "hhi": "remittance_sender_hhi",
    }
    for k, year in enumerate(years):
        rows += _rows(
            "UZB",
            year,
            "remittances",
            {"RUS": 8e9 + k * 1e8, "KAZ": 1e9, "USA": 2e9, "KOR": 5e8},
            rem,
            "allocated_stock_income_weighted",
            GDP,
        )
        rows += _rows(
            "KGZ",
            year,
            "remittances",
            {"RUS": 2e9, "KAZ": 1e8},
            rem,
            "allocated_stock_income_weighted",
            12e9,
        )
        for flow, amounts in (
            ("export", {"CHN": 3e9, "RUS": 2e9, "TUR": 1e9}),
            ("import", {"CHN": 4e9, "RUS": 3e9, "TUR": 1e9}),
        ):
            rows += _rows(
                "UZB",
                year,
                "trade",
                amounts,
                {
                    "amount": f"{flow}_usd",
                    "share": f"{flow}_share",
                    "ratio": "",
                    "hhi": f"{flow}_hhi",
                },
                "chosen",
            )
        rows += _rows(
            "UZB",
            year,
            "trade",
            {"CHN": 7e9, "RUS": 5e9, "TUR": 2e9},
            {
                "amount": "total_usd",
                "share": "total_share",
                "ratio": "exposure_share",
                "hhi": "total_hhi",
            },
            "chosen",
            GDP,
        )
        rows += _rows(
            "UZB",
            year,
            "aid",
            {"JPN": 3e8, "USA": 1e8, None: 2e8},
            {
                "amount": "oda_usd",
                "share": "oda_share",
                "unnamed_amount": "non_country_oda_usd",
                "unnamed_share": "non_country_oda_share",
                "hhi": "donor_hhi",
            },
            "dac2a_net_disbursements",
        )
        rows += _rows(
            "UZB",
            year,
            "energy",
            {"CHN": 5.0, "RUS": 3.0, None: 2.0},
            {
                "amount": "gas_exports_bcm",
                "share": "gas_export_share",
                "unnamed_amount": "gas_exports_bcm_unnamed",
                "unnamed_share": "gas_export_share_unnamed",
                "hhi": "gas_export_hhi",
            },
            "reported_pipeline_matrix",
        )
    rows += [
        {
            "country_iso3": c,
            "partner_iso3": "RUS",
            "year": 2020,
            "dimension": "migration",
            "measure": m,
            "value": v,
            "unit": "x",
            "method": "un_desa_stock",
            "source": "synthetic",
            "flag": None,
        }
        for c, m, v in (
            ("UZB", "emigrants", 1_000_000.0),
            ("UZB", "destination_share", 0.6),
            ("KGZ", "emigrants", 500_000.0),
            ("KGZ", "destination_share", 0.8),
        )
    ]
    frame = pl.DataFrame(rows, schema=SCHEMA)
    turkmen = frame.filter(
        (pl.col("country_iso3") == "UZB") & pl.col("dimension").is_in(["trade", "energy"])
    )
    return pl.concat([frame, turkmen.with_columns(pl.lit("TKM").alias("country_iso3"))])


def residents() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "nationality_iso3": ["UZB", "UZB", "UZB", "KGZ"],
            "status_code": ["21", "31", "16", "21"],
            "status": [
                "Specified Skilled Worker 1",
                "Student",
                "Engineer",
                "Specified Skilled Worker 1",
            ],
            "status_ja": ["", "", "", ""],
            "status_group": ["Work", "Education", "Work", "Work"],
            "is_specified_skilled_worker": [True, False, False, True],
            "residents": [100, 2000, 400, 30],
            "reference_date": [None] * 4,
            "reference_date_inferred": [True] * 4,
            "resident_share": [0.1] * 4,
        },
        schema_overrides={"reference_date": pl.Date},
    )


def agreement() -> pl.DataFrame:
    rows = []
    for year in (2022, 2023):
        for country, a_rus, a_chn in (
            ("UZB", 0.9, 0.92),
            ("KGZ", 0.95, 0.9),
            ("KAZ", 0.85, 0.88),
            ("DEU", 0.4, 0.6),
            ("USA", 0.2, 0.3),
        ):
            for partner, value in (("RUS", a_rus), ("CHN", a_chn)):
                a, b = sorted([country, partner])
                rows.append(
                    {
                        "country_iso3": a,
                        "partner_iso3": b,
                        "year": year,
                        "issue": "all",
                        "n_votes": 80,
                        "agreement": value,
                        "identical_share": value,
                        "s_score": 2 * value - 1,
                        "kappa": 0.5,
                    }
                )
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int32})


def write_warehouse(path: Path) -> Path:
    """A tiny DuckDB warehouse holding the synthetic tables."""
    connection = duckdb.connect(str(path))
    try:
        for name, frame in (
            ("out_dependence__yearly", baseline((2022, 2023, 2024))),
            ("out_migration__japan_residents", residents()),
            ("out_alignment__yearly_vote_agreement_wide", agreement()),
        ):
            connection.register("frame_view", frame.to_arrow())
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM frame_view")
            connection.unregister("frame_view")
    finally:
        connection.close()
    return path
