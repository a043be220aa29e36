r"""Benchmark: one scenario run after the warehouse is open, and the index Monte Carlo.

Scenario: times (a) reading the baseline on an open connection plus the engine, (b) the engine
alone, for a bundled scenario, against a plain pandas baseline in the same run that computes the
same labour-mobility result (added remittances from the destination, diverted from Russia,
shares, ratio to GDP, HHI) on the same baseline rows; prints the ratio pandas / project.
The target is one scenario run ≤ 100 ms after the warehouse is open.

Index: times the Monte Carlo (1,000 draws) of ``models.index.compute_index`` for the C5 and
for every country with data, against a per-draw Python loop in the same run (ratio = loop /
project). The target is ≤ 10 s for 1,000 draws.

    AUTONOMY_WAREHOUSE=/tmp/full/w.duckdb uv run python benchmarks/scenario_bench.py \
        [--scenario NAME] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import polars as pl

from autonomy_monitor.api import index as api_index
from autonomy_monitor.api import scenarios as api_scenarios
from autonomy_monitor.api.reader import open_store, store_label
from autonomy_monitor.models import index as model
from autonomy_monitor.scenarios import simulation
from autonomy_monitor.scenarios.levers import added_remittances_usd, worker_stock
from autonomy_monitor.settings import Settings


RUN_ALL_ARGS = ["--repeat", "5"]  # benchmarks/run_all.py


def timed(func, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def pandas_labour(dependence: pd.DataFrame, spec) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Baseline: the labour-mobility lever and the remittance measures with plain pandas."""
    lever = spec.levers[0]
    years = spec.years
    rem = dependence[
        (dependence["dimension"] == "remittances") & (dependence["country_iso3"] == lever.origin)
    ]
    last = rem["year"].max()
    usd = rem[(rem["measure"] == "remittances_usd") & (rem["year"] == last)][
        ["partner_iso3", "value"]
    ]
    dep = rem[(rem["measure"] == "remittance_dependence") & (rem["year"] == last)][
        ["partner_iso3", "value"]
    ]
    gdp = (usd.merge(dep, on="partner_iso3").eval("value_x / value_y")).median()
    mig = dependence[
        (dependence["measure"] == "emigrants")
        & (dependence["country_iso3"] == lever.origin)
        & (dependence["partner_iso3"] == lever.diverted_from)
    ].sort_values("year")
    frames = []
    stock_by_sector = {
        s: worker_stock([n * r for r in (lever.ramp or [1.0] * len(years))], lever.stay_years)
        for s, n in lever.workers_per_year.items()
    }
    for k, year in enumerate(years):
        frame = usd.set_index("partner_iso3")["value"].copy()
        stock = sum(v[k] for v in stock_by_sector.values())
        added = sum(
            added_remittances_usd(
                v[k],
                lever.monthly_wage_by_sector.get(s, lever.monthly_wage),
                lever.exchange_rate,
                lever.share_remitted,
                lever.months_per_year,
            )
            for s, v in stock_by_sector.items()
        )
        frame[lever.destination] = frame.get(lever.destination, 0.0) + added
        if lever.diverted_from and len(mig):
            per_worker = (
                usd.set_index("partner_iso3")["value"][lever.diverted_from] / mig["value"].iloc[-1]
            )
            frame[lever.diverted_from] -= min(
                stock * lever.diverted_share * per_worker, frame[lever.diverted_from]
            )
        out = frame.rename("remittances_usd").to_frame()
        out["remittance_share"] = out["remittances_usd"] / out["remittances_usd"].sum()
        out["remittance_dependence"] = out["remittances_usd"] / gdp
        out["year"] = year
        out["hhi"] = (out["remittance_share"] ** 2).sum()
        frames.append(out.reset_index())
    return pd.concat(frames)


def loop_monte_carlo(x: np.ndarray, w0: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """Baseline: the same Monte Carlo, one draw at a time in Python."""
    rng = np.random.default_rng(seed)
    sd = np.array([model.ERROR_SD[k] for k in model.COMPONENTS])
    out = np.empty((draws, x.shape[0]))
    positive = w0 > 0
    for i in range(draws):
        w = np.zeros_like(w0)
        w[positive] = rng.dirichlet(model.CONCENTRATION * w0[positive])
        xd = np.clip(x * np.exp(rng.standard_normal(x.shape) * sd), 0, 1)
        for c in range(x.shape[0]):
            best = -np.inf
            for p in range(x.shape[1]):
                ok = ~np.isnan(xd[c, p])
                if (w * ok).sum() > 0:
                    best = max(
                        best, float((np.nan_to_num(xd[c, p]) * w * ok).sum() / (w * ok).sum())
                    )
            out[i, c] = 1 - best
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="japan-uzbekistan-ssw")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--year", type=int, default=2020)
    args = parser.parse_args()
    settings = Settings()
    print(f"Store: {store_label(settings)}")
    spec = api_scenarios.scenario_spec(args.scenario)

    connection = open_store(settings)  # the warehouse is open from here on
    try:

        def project_run():  # type: ignore[no-untyped-def]
            dependence, residents = api_scenarios.baseline_frames(spec, connection)
            return simulation.run(spec, dependence, residents=residents)

        project_run()  # warm-up (imports, first query plan)
        t_run, _ = timed(project_run, args.repeat)
        dependence, residents = api_scenarios.baseline_frames(spec, connection)
    finally:
        connection.close()
    t_engine, _ = timed(lambda: simulation.run(spec, dependence, residents=residents), args.repeat)
    pdf = dependence.to_pandas()
    t_pandas, _ = timed(lambda: pandas_labour(pdf, spec), args.repeat)
    print(
        f"Scenario {spec.scenario.name} ({dependence.height:,} baseline "
        f"rows, {len(spec.years)} years), median of {args.repeat}:"
    )
    print(
        "  project, baseline query + engine on an open "
        f"warehouse: {t_run * 1000:8.1f} ms  (target ≤ 100 ms)"
    )
    print(f"  project, engine only (every affected table recomputed):  {t_engine * 1000:8.1f} ms")
    print(f"  pandas baseline, labour lever + remittance measures:      {t_pandas * 1000:8.1f} ms")
    print(f"  ratio pandas / project engine: {t_pandas / t_engine:.2f}")

    for label, countries in (("C5", "C5"), ("all countries", None)):
        members = api_index.power_members(api_index.DEFAULT_POWERS)
        powers = members["power"].unique(maintain_order=True).to_list()
        first = args.year - model.MAX_AGE
        raw = model.normalise(
            api_index.component_rows(
                settings,
                None if countries is None else ["KAZ", "KGZ", "TJK", "TKM", "UZB"],
                members,
                first,
                args.year,
            )
        )
        values = pl.concat(
            [
                raw.select("country_iso3", "year", "power", "component", "value"),
                model.alignment_percentiles(
                    api_index.agreement_rows(settings, members, first, args.year), members
                ),
            ],
            how="vertical_relaxed",
        )
        codes = sorted(raw["country_iso3"].unique().to_list())
        values = values.filter(pl.col("country_iso3").is_in(codes))
        t_mc, _ = timed(
            lambda: model.compute_index(values, codes, powers, args.year, draws=1000), 3
        )
        x = model.to_array(
            model.fill_absent_partners(model.latest_within(values, args.year), powers),
            codes,
            powers,
        )
        w0 = np.array([model.DEFAULT_WEIGHTS[k] for k in model.COMPONENTS])
        loop_draws = 1000 if len(codes) <= 10 else 50
        t_loop, _ = timed(lambda: loop_monte_carlo(x, w0, loop_draws, 0), 1)
        t_loop *= 1000 / loop_draws
        print(
            f"Index Monte Carlo, 1,000 draws, {label} ({len(codes)} countries × "
            f"{len(powers)} powers × {len(model.COMPONENTS)} components):"
        )
        print(f"  project (vectorised): {t_mc * 1000:8.1f} ms  (target ≤ 10 s)")
        print(
            f"  per-draw Python loop: {t_loop * 1000:8.1f} ms"
            + ("" if loop_draws == 1000 else f" (timed on {loop_draws} draws, scaled)")
        )
        print(f"  ratio loop / project: {t_loop / t_mc:.1f}")
    t_api, _ = timed(lambda: api_index.autonomy_index("C5", year=args.year, settings=settings), 3)
    print(
        f"autonomy_index('C5', year={args.year}) end to "
        f"end (queries + Monte Carlo): {t_api * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
