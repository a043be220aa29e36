"""The Python façade: the only module that cli/, web/ and reports/ import.

Every function takes an optional :class:`~autonomy_monitor.settings.Settings` and returns
Polars frames. ``import autonomy_monitor.api as am``.
"""

from __future__ import annotations

from autonomy_monitor.api.alignment import (
    key_votes,
    participation,
    roll_call,
    vote_agreement,
    vote_totals,
)
from autonomy_monitor.api.dependence import Profile, dependence, profile
from autonomy_monitor.api.idealpoints import ideal_point_distances, ideal_points
from autonomy_monitor.api.dependence import wide_view as dependence_wide_view
from autonomy_monitor.api.warehouse_status import (
    build,
    build_runs,
    describe_store,
    fetch_sources,
    live_sources,
    snapshot_store_status,
    lineage,
    provenance,
    source_names,
    tally_mismatches,
    write_snapshot,
)
from autonomy_monitor.api.trade import mirror_gaps
from autonomy_monitor.api.products import product_dependence
from autonomy_monitor.api.products import strategic_share as products_strategic_share
from autonomy_monitor.api.index import DEFAULT_POWERS as INDEX_DEFAULT_POWERS
from autonomy_monitor.api.index import IndexResult, autonomy_index, joint_alignment, load_weights
from autonomy_monitor.api.scenarios import (
    ScenarioResult,
    run_scenario,
    scenario_explain,
    scenario_key_rows,
    scenario_list,
    scenario_spec,
)
from autonomy_monitor.api.dashboard_data import (  # the web dashboard's queries
    countries as country_list, country_events, country_key_votes, downloadable_tables, events,
    japan_residents, overview, overview_year, table_frame,
)
from autonomy_monitor.countries import country_name, parse_country_list
from autonomy_monitor.methodology import methodology_markdown
from autonomy_monitor.errors import AutonomyError, BadArgument, BadInput, WarehouseMissing
from autonomy_monitor.settings import Settings

__all__ = [
    "INDEX_DEFAULT_POWERS",
    "IndexResult",
    "autonomy_index",
    "joint_alignment",
    "load_weights",
    "ScenarioResult",
    "run_scenario",
    "scenario_explain",
    "scenario_key_rows",
    "scenario_list",
    "scenario_spec",
    "country_list", "country_events", "country_key_votes", "downloadable_tables", "events",
    "japan_residents", "overview", "overview_year", "table_frame",
    "mirror_gaps",
    "product_dependence",
    "products_strategic_share",
    "Profile",
    "dependence",
    "dependence_wide_view",
    "ideal_point_distances",
    "ideal_points",
    "profile",
    "build",
    "build_runs",
    "describe_store",
    "fetch_sources",
    "live_sources",
    "snapshot_store_status",
    "key_votes",
    "lineage",
    "participation",
    "provenance",
    "roll_call",
    "source_names",
    "tally_mismatches",
    "vote_agreement",
    "vote_totals",
    "write_snapshot",
    "AutonomyError",
    "BadArgument",
    "BadInput",
    "Settings",
    "WarehouseMissing",
    "country_name",
    "methodology_markdown",
    "parse_country_list",
]
