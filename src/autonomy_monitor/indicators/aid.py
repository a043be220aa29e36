"""Aid: ODA received by donor, donor shares and donor concentration (HHI).

Pure functions over Polars frames (no IO).

* ``oda_usd(c, d, t)`` — net ODA disbursements from donor d to c (OECD DAC2a), current US$;
  net values can be negative (loan repayments above new disbursements);
* ``oda_share(c, d, t) = max(oda_usd, 0) / Σ_e max(oda_usd(c, e, t), 0)`` — over *all*
  donors (countries, multilateral agencies, private foundations), so a country donor's share
  is its share of all positive net ODA; negative net flows count as zero for shares;
* ``donor_hhi(c, t) = Σ_d oda_share²`` over all donors, in [1/N, 1];
* rows for country donors carry the donor's ISO3; the multilateral and private donors are
  summed into one row with a null partner (``non_country_oda_usd`` / ``non_country_oda_share``).

Caveats: China does not report to the DAC (see the finance dimension); 2002–2019 only.
Reference: OECD DAC2a, "Aid (ODA) disbursements to countries and regions".
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.indicators import shares

DIMENSION = "aid"
SOURCE = "OECD DAC2a (net ODA disbursements)"
METHOD = "dac2a_net_disbursements"


def donor_measures(aid: pl.DataFrame) -> pl.DataFrame:
    """aid: core_oecd__yearly_aid -> output rows for the aid dimension."""
    frame = aid.select(
        pl.col("recipient_iso3").alias("country_iso3"),
        "donor_code",
        "donor_iso3",
        "donor_type",
        pl.col("year").cast(pl.Int32),
        "oda_usd",
        pl.col("oda_usd").clip(lower_bound=0).alias("positive_usd"),
    )
    frame = shares.partner_shares(frame, ["country_iso3", "year"], "positive_usd")
    concentration = shares.hhi(frame, ["country_iso3", "year"])
    countries = frame.filter(pl.col("donor_type") == "country").with_columns(
        pl.when(pl.col("oda_usd") < 0).then(pl.lit("net_negative")).alias("flag")
    )
    others = (
        frame.filter(pl.col("donor_type") != "country")
        .group_by("country_iso3", "year")
        .agg(pl.col("oda_usd").sum(), pl.col("share").sum())
    )
    return (
        pl.concat(
            [
                shares.to_output(
                    countries,
                    dimension=DIMENSION,
                    measure="oda_usd",
                    value="oda_usd",
                    method=METHOD,
                    source=SOURCE,
                    flag=pl.col("flag"),
                    partner="donor_iso3",
                ),
                shares.to_output(
                    countries,
                    dimension=DIMENSION,
                    measure="oda_share",
                    value="share",
                    method=METHOD,
                    source=SOURCE,
                    flag=pl.col("flag"),
                    partner="donor_iso3",
                ),
                shares.to_output(
                    others,
                    dimension=DIMENSION,
                    measure="non_country_oda_usd",
                    value="oda_usd",
                    method=METHOD,
                    source=SOURCE,
                    partner=None,
                ),
                shares.to_output(
                    others,
                    dimension=DIMENSION,
                    measure="non_country_oda_share",
                    value="share",
                    method=METHOD,
                    source=SOURCE,
                    partner=None,
                ),
                shares.to_output(
                    concentration,
                    dimension=DIMENSION,
                    measure="donor_hhi",
                    value="hhi",
                    method=METHOD,
                    source=SOURCE,
                    partner=None,
                ),
            ]
        )
        .filter(pl.col("value").is_not_null())
        .sort("country_iso3", "year", "measure", "partner_iso3", nulls_last=True)
    )
