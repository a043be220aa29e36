"""Regenerate src/autonomy_monitor/data/countries.csv from country_converter plus curated rows.

    uv run --with country-converter python tools/make_country_table.py

The base (ISO3, ISO2, M49, Gleditsch-Ward code, UN admission year, short name) comes from
country_converter's table; COW codes are GW codes with the documented differences corrected
(COW_OVERRIDES); historical states are added from HISTORICAL with validity dates.
"""

from __future__ import annotations

from pathlib import Path

import country_converter as coco
import polars as pl

OUT = Path(__file__).resolve().parents[1] / "src" / "autonomy_monitor" / "data" / "countries.csv"

# Correlates of War codes where they differ from Gleditsch-Ward (Gleditsch & Ward 1999, table 1).
COW_OVERRIDES = {
    "DEU": 255, "SRB": 345, "YEM": 679, "CZE": 316, "VNM": 816,
    "KIR": 946, "NRU": 970, "TON": 955, "TUV": 947,  # GW numbers the Pacific microstates 970-973
}

# Historical states and the current states that continue them (ISO 3166-3 codes where ISO had one).
# valid_from / valid_to are ISO dates; "continues" names the state whose UN seat a state took over.
HISTORICAL = [
    # iso3, name, m49, cow, valid_from, valid_to, un_member_from, successors
    ("SUN", "Union of Soviet Socialist Republics", 810, 365, "1922-12-30", "1991-12-25", 1945, "RUS|ARM|AZE|BLR|EST|GEO|KAZ|KGZ|LVA|LTU|MDA|TJK|TKM|UKR|UZB"),
    ("YUG", "Socialist Federal Republic of Yugoslavia", 890, 345, "1945-11-29", "1992-04-27", 1945, "SCG|BIH|HRV|MKD|SVN"),
    ("SCG", "Serbia and Montenegro (Federal Republic of Yugoslavia)", 891, 345, "1992-04-27", "2006-06-03", 2000, "SRB|MNE"),
    ("CSK", "Czechoslovakia", 200, 315, "1918-10-28", "1993-01-01", 1945, "CZE|SVK"),
    ("DDR", "German Democratic Republic", 278, 265, "1949-10-07", "1990-10-03", 1973, "DEU"),
    ("YMD", "Yemen, People's Democratic Republic of (South Yemen)", 720, 680, "1967-11-30", "1990-05-22", 1967, "YEM"),
    ("ZAN", "Zanzibar", None, 511, "1963-12-10", "1964-04-26", 1963, "TZA"),
]

# States whose code was used by a predecessor with another identity before a date:
# the row above covers the predecessor; the current state starts at valid_from.
CURRENT_STARTS = {
    "RUS": ("1991-12-25", "SUN"),
    "SRB": ("2006-06-03", "SCG"),
    "CZE": ("1993-01-01", None),
    "SVK": ("1993-01-01", None),
    "KAZ": ("1991-12-16", None), "KGZ": ("1991-08-31", None), "TJK": ("1991-09-09", None),
    "TKM": ("1991-10-27", None), "UZB": ("1991-09-01", None),
    "MNE": ("2006-06-03", None), "SSD": ("2011-07-09", None),
}
# Names used for the earlier period of a code that did not change (FRG -> DEU, YAR -> YEM).
FORMER_NAMES = {
    "DEU": "Federal Republic of Germany (West Germany) until 1990-10-03",
    "YEM": "Yemen Arab Republic (North Yemen) until 1990-05-22",
}


def base_rows() -> pl.DataFrame:
    data = coco.CountryConverter().data
    frame = pl.from_pandas(data[["ISO3", "ISO2", "UNcode", "GWcode", "UNmember", "name_short", "name_official"]].astype(str))
    return frame.rename({"ISO3": "iso3", "ISO2": "iso2", "UNcode": "m49", "GWcode": "cow",
                         "UNmember": "un_member_from", "name_short": "name", "name_official": "name_official"})


def clean(frame: pl.DataFrame) -> pl.DataFrame:
    def to_int(col: str) -> pl.Expr:
        return pl.col(col).str.replace(r"\.0$", "").cast(pl.Int32, strict=False)

    frame = frame.with_columns(to_int("m49"), to_int("cow"), to_int("un_member_from"))
    frame = frame.with_columns(
        pl.col("iso3").replace_strict(COW_OVERRIDES, default=pl.col("cow"), return_dtype=pl.Int32).alias("cow"),
        pl.col("iso3").map_elements(lambda c: CURRENT_STARTS.get(c, (None, None))[0], return_dtype=pl.String).alias("valid_from"),
        pl.lit(None, dtype=pl.String).alias("valid_to"),
        pl.col("iso3").map_elements(lambda c: CURRENT_STARTS.get(c, (None, None))[1], return_dtype=pl.String).alias("continues"),
        pl.lit(None, dtype=pl.String).alias("successors"),
        pl.col("iso3").map_elements(lambda c: FORMER_NAMES.get(c), return_dtype=pl.String).alias("former_name"),
        pl.lit(False).alias("is_historical"),
    )
    return frame.with_columns(pl.when(pl.col("iso2") == "nan").then(None).otherwise(pl.col("iso2")).alias("iso2"))


def historical_rows() -> pl.DataFrame:
    rows = [
        {"iso3": iso3, "iso2": None, "m49": m49, "cow": cow, "un_member_from": un, "name": name,
         "name_official": name, "valid_from": vf, "valid_to": vt,
         "continues": None, "successors": succ, "former_name": None, "is_historical": True}
        for iso3, name, m49, cow, vf, vt, un, succ in HISTORICAL
    ]
    return pl.DataFrame(rows, schema_overrides={"m49": pl.Int32, "cow": pl.Int32, "un_member_from": pl.Int32})


def main() -> None:
    table = pl.concat([clean(base_rows()), historical_rows()], how="diagonal_relaxed")
    columns = ["iso3", "iso2", "m49", "cow", "name", "name_official", "valid_from", "valid_to",
               "un_member_from", "continues", "successors", "former_name", "is_historical"]
    table.select(columns).sort("iso3").write_csv(OUT)
    print(f"wrote {OUT} ({table.height} rows)")


if __name__ == "__main__":
    main()
