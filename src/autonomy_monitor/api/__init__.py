"""The Python façade: the only module that cli/, web/ and reports/ import.

Every function takes an optional :class:`~autonomy_monitor.settings.Settings` and returns
Polars frames. ``import autonomy_monitor.api as am``.

Names are loaded on first use (PEP 562 module ``__getattr__``): ``import autonomy_monitor.api``
costs almost nothing, and ``am.vote_agreement`` imports only ``api.alignment`` and what it
needs. This keeps ``autonomy --version`` and ``--help`` from importing DuckDB, Polars, SciPy,
the models, the web app or the report renderers. ``EXPORTS`` is the one list of public names.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

EXPORTS: dict[str, str] = {  # public name -> "module:attribute"
    # UN votes and alignment
    "key_votes": "autonomy_monitor.api.resolutions:key_votes",
    "PRESS_LABEL": "autonomy_monitor.api.resolutions:PRESS_LABEL",
    "participation": "autonomy_monitor.api.alignment:participation",
    "roll_call": "autonomy_monitor.api.resolutions:roll_call",
    "vote_agreement": "autonomy_monitor.api.alignment:vote_agreement",
    "vote_totals": "autonomy_monitor.api.resolutions:vote_totals",
    "ideal_point_distances": "autonomy_monitor.api.idealpoints:ideal_point_distances",
    "ideal_points": "autonomy_monitor.api.idealpoints:ideal_points",
    # dependence
    "Profile": "autonomy_monitor.api.dependence:Profile",
    "dependence": "autonomy_monitor.api.dependence:dependence",
    "dependence_wide_view": "autonomy_monitor.api.dependence:wide_view",
    "profile": "autonomy_monitor.api.dependence:profile",
    "profile_dependencies": "autonomy_monitor.api.dependence:profile_dependencies",
    "profile_governance": "autonomy_monitor.api.dependence:profile_governance",
    "remittance_totals": "autonomy_monitor.api.dependence:remittance_totals",
    "has_remittance_totals": "autonomy_monitor.api.dependence:has_remittance_totals",
    "mirror_gaps": "autonomy_monitor.api.trade:mirror_gaps",
    "product_dependence": "autonomy_monitor.api.products:product_dependence",
    "products_strategic_share": "autonomy_monitor.api.products:strategic_share",
    # composite index and joint view
    "INDEX_DEFAULT_POWERS": "autonomy_monitor.api.arguments:INDEX_DEFAULT_POWERS",
    "IndexResult": "autonomy_monitor.models.index:IndexResult",
    "autonomy_index": "autonomy_monitor.api.index:autonomy_index",
    "joint_alignment": "autonomy_monitor.api.index:joint_alignment",
    "load_weights": "autonomy_monitor.api.index:load_weights",
    # scenarios
    "ScenarioResult": "autonomy_monitor.scenarios.simulation:ScenarioResult",
    "run_scenario": "autonomy_monitor.api.scenarios:run_scenario",
    "scenario_explain": "autonomy_monitor.api.scenarios:scenario_explain",
    "scenario_key_rows": "autonomy_monitor.api.scenarios:scenario_key_rows",
    "scenario_list": "autonomy_monitor.api.scenarios:scenario_list",
    "scenario_spec": "autonomy_monitor.api.scenarios:scenario_spec",
    # the web dashboard's queries
    "country_list": "autonomy_monitor.api.dashboard_data:countries",
    "country_events": "autonomy_monitor.api.dashboard_data:country_events",
    "country_key_votes": "autonomy_monitor.api.dashboard_data:country_key_votes",
    "downloadable_tables": "autonomy_monitor.api.dashboard_data:downloadable_tables",
    "events": "autonomy_monitor.api.dashboard_data:events",
    "japan_residents": "autonomy_monitor.api.dashboard_data:japan_residents",
    "overview": "autonomy_monitor.api.dashboard_data:overview",
    "overview_coverage": "autonomy_monitor.api.dashboard_data:overview_coverage",
    "overview_year": "autonomy_monitor.api.dashboard_data:overview_year",
    "table_frame": "autonomy_monitor.api.dashboard_data:table_frame",
    # build, fetch, status
    "build": "autonomy_monitor.api.warehouse_status:build",
    "build_runs": "autonomy_monitor.api.warehouse_status:build_runs",
    "build_steps": "autonomy_monitor.api.warehouse_status:build_steps",
    "describe_store": "autonomy_monitor.api.warehouse_status:describe_store",
    "source_releases": "autonomy_monitor.api.warehouse_status:source_releases",
    "store_kind": "autonomy_monitor.api.warehouse_status:store_kind",
    "fetch_sources": "autonomy_monitor.api.warehouse_status:fetch_sources",
    "live_sources": "autonomy_monitor.sources:live_sources",
    "snapshot_store_status": "autonomy_monitor.api.warehouse_status:snapshot_store_status",
    "lineage": "autonomy_monitor.api.warehouse_status:lineage",
    "trace": "autonomy_monitor.api.trace:trace",
    "Trace": "autonomy_monitor.api.trace:Trace",
    "provenance": "autonomy_monitor.api.warehouse_status:provenance",
    "source_names": "autonomy_monitor.api.warehouse_status:source_names",
    "tally_mismatches": "autonomy_monitor.api.warehouse_status:tally_mismatches",
    "write_snapshot": "autonomy_monitor.api.warehouse_status:write_snapshot",
    # countries, methodology, errors, settings
    "country_name": "autonomy_monitor.countries:country_name",
    "parse_country_list": "autonomy_monitor.countries:parse_country_list",
    "is_all_members": "autonomy_monitor.countries:is_all_members",
    "MIN_SHARED_VOTES": "autonomy_monitor.indicators.alignment:MIN_SHARED_VOTES",
    "methodology_markdown": "autonomy_monitor.methodology:methodology_markdown",
    "AutonomyError": "autonomy_monitor.errors:AutonomyError",
    "BadArgument": "autonomy_monitor.errors:BadArgument",
    "BadInput": "autonomy_monitor.errors:BadInput",
    "WarehouseMissing": "autonomy_monitor.errors:WarehouseMissing",
    "Settings": "autonomy_monitor.settings:Settings",
}

__all__ = list(EXPORTS)  # noqa: PLE0605 - the names are resolved by __getattr__


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on first use and keep the value."""
    target = EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attribute = target.split(":")
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *EXPORTS})


class _Facade(types.ModuleType):
    """The package module: a submodule import never hides a public name.

    Importing ``autonomy_monitor.api.dependence`` makes Python set the package attribute
    ``dependence`` to that submodule, which would hide the function ``api.dependence``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade
