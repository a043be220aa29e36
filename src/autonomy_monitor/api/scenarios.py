"""Scenario queries: list, explain and run scenario files against the warehouse or snapshot.

The baseline is read from ``out_dependence__yearly`` (and ``out_migration__japan_residents``
for the starting stock of workers in Japan); the engine is
:mod:`autonomy_monitor.scenarios.simulation`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from autonomy_monitor.api.reader import has_table, open_store
from autonomy_monitor.errors import WarehouseMissing
from autonomy_monitor.scenarios import simulation
from autonomy_monitor.scenarios.simulation import ScenarioResult
from autonomy_monitor.scenarios.spec import Scenario, bundled_names, find_scenario, load_scenario
from autonomy_monitor.settings import Settings

TABLE = "out_dependence__yearly"
RESIDENTS = "out_migration__japan_residents"
BASELINE_SQL = f"""
SELECT country_iso3, partner_iso3, year, dimension, measure, value, unit, method, source, flag
FROM {TABLE}
WHERE country_iso3 IN (SELECT unnest(?)) AND year <= ?
  AND (dimension IN (SELECT unnest(?)) OR (? AND dimension = 'migration' AND measure = 'emigrants'))
  AND (dimension <> 'trade' OR method = 'chosen')
QUALIFY year >= coalesce(max(year) FILTER (WHERE year <= ?)
                            OVER (PARTITION BY country_iso3, dimension, measure), ?)
     OR (dimension = 'migration')
"""


def scenario_list() -> pl.DataFrame:
    """Bundled scenarios: name, title, country, years, number of levers."""
    rows = []
    for name in bundled_names():
        spec = load_scenario(find_scenario(name))
        rows.append(
            {
                "name": name,
                "title": spec.scenario.title,
                "country": spec.scenario.country,
                "years": f"{spec.scenario.years[0]}–{spec.scenario.years[1]}",
                "levers": ", ".join(lever.type for lever in spec.levers),
            }
        )
    return pl.DataFrame(rows)


def scenario_spec(name_or_file: str | Path) -> Scenario:
    """The validated scenario (bundled name or TOML path); BadInput with file and line on faults."""
    return load_scenario(find_scenario(str(name_or_file)))


def scenario_explain(name_or_file: str | Path) -> tuple[Scenario, pl.DataFrame]:
    """The scenario and its assumptions (stated facts with sources, assumptions, lever
    parameters)."""
    spec = scenario_spec(name_or_file)
    return spec, simulation.assumptions_frame(spec)


def baseline_frames(
    spec: Scenario, connection: duckdb.DuckDBPyConnection
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Baseline dependence rows and Japan residence statistics, on an open connection."""
    countries = simulation.lever_countries(spec)
    dims = simulation.lever_dimensions(spec)
    first, last = spec.scenario.years
    wants_migration = any(getattr(lever, "diverted_from", None) for lever in spec.levers)
    relation = connection.sql(
        BASELINE_SQL, params=[countries, last, dims, wants_migration, first, first]
    )
    dependence = pl.from_arrow(relation.to_arrow_table())
    residents = None
    if any(getattr(lever, "destination", None) == "JPN" for lever in spec.levers):
        tables = {
            row[0]
            for row in connection.sql("SELECT table_name FROM information_schema.tables").fetchall()
        }
        if RESIDENTS in tables:
            residents = pl.from_arrow(
                connection.sql(
                    f"SELECT * FROM {RESIDENTS} WHERE nationality_iso3 IN (SELECT unnest(?))",
                    params=[countries],
                ).to_arrow_table()
            )
    return dependence, residents  # type: ignore[return-value]


def run_scenario(
    name_or_file: str | Path | Scenario, *, settings: Settings | None = None
) -> ScenarioResult:
    """Run a scenario: baseline vs scenario frames, the comparison and the assumptions."""
    settings = settings or Settings()
    spec = name_or_file if isinstance(name_or_file, Scenario) else scenario_spec(name_or_file)
    if not has_table(settings, TABLE):
        raise WarehouseMissing(
            f"The table {TABLE} is not in the warehouse or the bundled snapshot: run "
            "`autonomy build --source-dir DIR` with the economic sources."
        )
    connection = open_store(settings)
    try:
        dependence, residents = baseline_frames(spec, connection)
    finally:
        connection.close()
    return simulation.run(spec, dependence, residents=residents)


def scenario_key_rows(result: ScenarioResult, top: int = 3) -> pl.DataFrame:
    """Rows to read first: partners the levers name, the largest baseline partners,
    concentration."""
    return simulation.key_rows(result, top)


__all__ = [
    "ScenarioResult",
    "run_scenario",
    "scenario_explain",
    "scenario_key_rows",
    "scenario_list",
    "scenario_spec",
]
