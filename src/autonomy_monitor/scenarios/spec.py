"""Scenario files: declarative TOML with named levers, parameters and stated assumptions.

A scenario file looks like::

    [scenario]
    name = "japan-uzbekistan-ssw"
    title = "..."
    country = "UZB"            # the country whose dependence is recomputed
    years = [2025, 2029]       # first and last year the scenario covers
    rationale = "..."

    [[assumptions]]
    text = "Japan and Uzbekistan signed a memorandum ..."
    kind = "fact"              # "fact" (with a source) or "assumption"
    source = "..."

    [[levers]]
    type = "labour_mobility"   # labour_mobility, remittance_shock, trade_diversion,
                               # supplier_removal, aid
    ...

:func:`load_scenario` parses with :mod:`tomllib`, validates with the pydantic models below, and
turns every problem into one :class:`~autonomy_monitor.errors.BadInput` naming the file, the
line of the offending key and the reason (unknown lever, negative workers, a share above 1,
unknown country...).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from autonomy_monitor.countries import known_codes, resolve
from autonomy_monitor.errors import BadInput

LEVER_TYPES = ("labour_mobility", "remittance_shock", "trade_diversion", "supplier_removal", "aid")
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


def country_code(value: str) -> str:
    """An ISO3 code or a country name -> ISO3; ValueError for anything else (groups included)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a country must be an ISO3 code or a name")
    text = value.strip()
    if text.upper() in known_codes():
        return text.upper()
    code = resolve(text)
    if code is None:
        raise ValueError(f"unknown country {value!r} (use an ISO3 code such as UZB)")
    return code


def optional_country(value: str | None) -> str | None:
    return None if value is None else country_code(value)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Assumption(Strict):
    text: str
    kind: Literal["fact", "assumption"] = "assumption"
    source: str | None = None


class LabourMobility(Strict):
    """Workers from ``origin`` employed in ``destination``: added remittances from the destination.

    Arrivals in scenario year k = Σ_sector workers_per_year[sector] × ramp[k]; the stock in year
    k is the sum of arrivals still present (each stays ``stay_years``, default: to the end).
    Added remittances(t) = stock(t) × monthly wage (in ``currency``) / exchange_rate × 12 ×
    share_remitted, in US$. With ``diverted_from`` set, ``diverted_share`` of the stock would
    otherwise have worked there: their remittances from that partner are removed, at
    ``diverted_remittance_per_worker_usd`` a year or, if not given, at the partner's baseline
    remittances per emigrant of the origin living there (UN DESA stock).
    """

    type: Literal["labour_mobility"]
    label: str = ""
    origin: str
    destination: str
    workers_per_year: dict[str, NonNegative]
    ramp: list[NonNegative] | None = None
    stay_years: int | None = Field(default=None, ge=1)
    monthly_wage: NonNegative
    monthly_wage_by_sector: dict[str, NonNegative] = Field(default_factory=dict)
    currency: str = "USD"
    exchange_rate: float = Field(default=1.0, gt=0.0, description="units of currency per US$")
    months_per_year: float = Field(default=12.0, ge=0.0, le=12.0)
    share_remitted: Share
    diverted_from: str | None = None
    diverted_share: Share = 0.0
    diverted_remittance_per_worker_usd: NonNegative | None = None
    stock_status_groups: list[str] = Field(
        default_factory=lambda: ["Work", "Technical Training", "Highly Skilled"]
    )

    @field_validator("origin", "destination", "diverted_from")
    @classmethod
    def _countries(cls, value: str | None) -> str | None:
        return optional_country(value)

    @model_validator(mode="after")
    def _sectors(self) -> LabourMobility:
        unknown = set(self.monthly_wage_by_sector) - set(self.workers_per_year)
        if unknown:
            raise ValueError(
                "monthly_wage_by_sector names sectors "
                f"without workers: {', '.join(sorted(unknown))}"
            )
        if self.origin == self.destination:
            raise ValueError("origin and destination must differ")
        return self


class RemittanceShock(Strict):
    """Remittances from ``partner`` fall by ``fall_share`` and by ``returning_share`` (migrants
    returning).

    remittances'(partner) = remittances(partner) × (1 − fall_share) × (1 − returning_share).
    """

    type: Literal["remittance_shock"]
    label: str = ""
    country: str
    partner: str
    fall_share: Share = 0.0
    returning_share: Share = 0.0
    years: list[int] | None = None

    @field_validator("country", "partner")
    @classmethod
    def _countries(cls, value: str | None) -> str | None:
        return optional_country(value)


class TradeDiversion(Strict):
    """Move ``share`` of a flow between ``country`` and ``from_partner`` to ``to_partner``.

    ``dimension`` "trade" (flow exports or imports, US$) or "energy" (flow gas_exports, bcm).
    Without ``to_partner`` the moved volume is lost (a cut, e.g. "exports to China halved").
    """

    type: Literal["trade_diversion"]
    label: str = ""
    country: str
    from_partner: str
    to_partner: str | None = None
    dimension: Literal["trade", "energy"] = "trade"
    flow: Literal["exports", "imports", "gas_exports"] = "exports"
    share: Share = 0.0
    years: list[int] | None = None

    @field_validator("country", "from_partner", "to_partner")
    @classmethod
    def _countries(cls, value: str | None) -> str | None:
        return optional_country(value)

    @model_validator(mode="after")
    def _flow(self) -> TradeDiversion:
        if (self.dimension == "energy") != (self.flow == "gas_exports"):
            raise ValueError(
                "the energy dimension has the flow gas_exports; trade has exports or imports"
            )
        return self


class SupplierRemoval(Strict):
    """Remove ``share`` of the largest partner's flow (or of ``partner``'s) in a dimension."""

    type: Literal["supplier_removal"]
    label: str = ""
    country: str
    dimension: Literal["trade", "remittances", "aid", "energy"]
    flow: Literal["exports", "imports", "remittances", "oda", "gas_exports"] = "imports"
    partner: str | None = None
    share: Share = 1.0
    years: list[int] | None = None

    @field_validator("country", "partner")
    @classmethod
    def _countries(cls, value: str | None) -> str | None:
        return optional_country(value)


class Aid(Strict):
    """Add ``amount_usd`` of ODA a year from ``donor`` to ``country``."""

    type: Literal["aid"]
    label: str = ""
    country: str
    donor: str
    amount_usd: NonNegative = 0.0
    years: list[int] | None = None

    @field_validator("country", "donor")
    @classmethod
    def _countries(cls, value: str | None) -> str | None:
        return optional_country(value)


Lever = Annotated[
    LabourMobility | RemittanceShock | TradeDiversion | SupplierRemoval | Aid,
    Field(discriminator="type"),
]


class Header(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = ""
    country: str
    years: list[int] = Field(min_length=2, max_length=2)
    rationale: str = ""

    @field_validator("country")
    @classmethod
    def _countries(cls, value: str | None) -> str | None:
        return optional_country(value)

    @field_validator("years")
    @classmethod
    def _years(cls, value: list[int]) -> list[int]:
        first, last = value
        if not 1960 <= first <= last <= 2100:
            raise ValueError("years must be [first, last] with 1960 <= first <= last <= 2100")
        return value


class Scenario(Strict):
    scenario: Header
    assumptions: list[Assumption] = Field(default_factory=list)
    levers: list[Lever] = Field(default_factory=list)
    path: str | None = None

    @property
    def years(self) -> list[int]:
        first, last = self.scenario.years
        return list(range(first, last + 1))

    @model_validator(mode="after")
    def _ramps(self) -> Scenario:
        n = len(self.years)
        for lever in self.levers:
            if (
                isinstance(lever, LabourMobility)
                and lever.ramp is not None
                and len(lever.ramp) != n
            ):
                raise ValueError(
                    f"lever {lever.label or lever.type}: ramp has "
                    f"{len(lever.ramp)} values for {n} scenario years"
                )
            years = getattr(lever, "years", None)
            if years and any(y not in self.years for y in years):
                raise ValueError(
                    f"lever {lever.label or lever.type}: years {years} "
                    f"are outside the scenario years {self.scenario.years}"
                )
        return self


# --------------------------------------------------------------------------------------------
# Loading with file and line in every error


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"]+(?:\s*\.\s*[A-Za-z0-9_\-\"]+)*)\s*=")


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map each table and key path (e.g. ("levers", 0, "share")) to its 1-based line number."""
    lines: dict[tuple[Any, ...], int] = {}
    arrays: dict[tuple[str, ...], int] = {}
    current: tuple[Any, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = tuple(part.strip().strip('"') for part in header.group(2).split("."))
            if header.group(1) == "[[":
                arrays[names] = arrays.get(names, -1) + 1
            current = _array_path(names, arrays)
            lines.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            path = (*current, *(part.strip().strip('"') for part in key.group(1).split(".")))
            lines.setdefault(path, number)
            for inner in re.finditer(r"([A-Za-z0-9_\-]+)\s*=", line[key.end() :]):  # inline tables
                lines.setdefault((*path, inner.group(1)), number)
    return lines


def _array_path(names: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> tuple[Any, ...]:
    """Path of a (sub)table, inserting the index of enclosing arrays of tables ([[levers]])."""
    path: list[Any] = []
    for k, name in enumerate(names):
        path.append(name)
        if names[: k + 1] in arrays:
            path.append(arrays[names[: k + 1]])
    return tuple(path)


def line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    """The line of the longest prefix of ``loc`` found in the file (None if none)."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _reason(error: dict[str, Any], data: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    loc = tuple(error["loc"])
    kind = error["type"]
    # Drop the union tag that pydantic inserts (levers.0.labour_mobility.share -> levers.0.share)
    loc = tuple(part for part in loc if part not in LEVER_TYPES)
    if kind == "union_tag_invalid":
        tag = error.get("input", {}).get("type") if isinstance(error.get("input"), dict) else None
        return (*loc, "type"), f"unknown lever {tag!r}: choose from {', '.join(LEVER_TYPES)}"
    if kind == "union_tag_not_found":
        return loc, f"a lever needs a type: one of {', '.join(LEVER_TYPES)}"
    if kind == "extra_forbidden":
        return loc, f"unknown key {loc[-1]!r}"
    if kind == "missing":
        return loc, f"missing key {loc[-1]!r}"
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if kind in {"greater_than_equal", "greater_than"}:
        message = f"{message} (got {value}); negative values are not allowed"
    elif kind == "less_than_equal":
        message = f"{message} (got {value}); shares are fractions in 0..1"
    return loc, message


def parse_scenario(text: str, path: str) -> Scenario:
    """Validate the text of a scenario file; ``path`` is used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BadInput(f"{path}: not valid TOML ({error}); fix the syntax at that line.") from None
    try:
        return Scenario.model_validate({**data, "path": path})
    except ValidationError as error:
        first = error.errors()[0]
        loc, reason = _reason(first, data)
        number = line_of(key_lines(text), loc)
        where = f", line {number}" if number else ""
        dotted = ".".join(str(part) for part in loc) or "(file)"
        raise BadInput(
            f"{path}{where}: {reason} (at {dotted}); correct the scenario file."
        ) from None


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file (BadInput with file, line and reason on any fault)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInput(
            f"{path}: cannot read the scenario file ({error.strerror}); check the path."
        ) from None
    return parse_scenario(text, str(path))


BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def find_scenario(name_or_file: str) -> Path:
    """A bundled scenario name or a path to a TOML file."""
    candidate = Path(name_or_file)
    if candidate.suffix == ".toml" or candidate.is_file():
        if not candidate.is_file():
            raise BadInput(
                f"{candidate}: no such scenario file; give a bundled "
                f"name ({', '.join(bundled_names())}) or a path."
            )
        return candidate
    bundled = BUNDLED_DIR / f"{name_or_file}.toml"
    if not bundled.is_file():
        raise BadInput(
            f"Unknown scenario {name_or_file!r}: choose from "
            f"{', '.join(bundled_names())} or give a TOML file."
        )
    return bundled
