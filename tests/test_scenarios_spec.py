"""Scenario files: bundled files load; bad files are rejected with file, line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from autonomy_monitor.errors import BadInput
from autonomy_monitor.scenarios.spec import bundled_names, find_scenario, load_scenario

GOOD = """\
[scenario]
name = "t"
country = "UZB"
years = [2025, 2026]

[[assumptions]]
text = "an assumption"

[[levers]]
type = "remittance_shock"
country = "UZB"
partner = "RUS"
fall_share = 0.2

[[levers]]
type = "labour_mobility"
origin = "UZB"
destination = "JPN"
workers_per_year = { construction = 100 }
monthly_wage = 1000
share_remitted = 0.5
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


def test_bundled_scenarios_load() -> None:
    names = bundled_names()
    assert {
        "japan-uzbekistan-ssw",
        "japan-kyrgyzstan",
        "russia-remittance-fall",
        "turkmenistan-gas-china-halved",
    } <= set(names)
    for name in names:
        spec = load_scenario(find_scenario(name))
        assert spec.scenario.name == name and spec.levers and spec.scenario.rationale.strip()
        assert any(a.kind == "assumption" for a in spec.assumptions)


def test_good_file(tmp_path: Path) -> None:
    spec = load_scenario(write(tmp_path, GOOD))
    assert [lever.type for lever in spec.levers] == ["remittance_shock", "labour_mobility"]
    assert spec.years == [2025, 2026]


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        (
            'type = "remittance_shock"',
            'type = "remittance_shok"',
            10,
            "unknown lever 'remittance_shok'",
        ),
        ("construction = 100", "construction = -5", 19, "negative"),
        ("fall_share = 0.2", "fall_share = 1.5", 13, "0..1"),
        ('partner = "RUS"', 'partner = "Narnia"', 12, "unknown country 'Narnia'"),
        (
            'destination = "JPN"',
            'destination = "JPN"\nshare_sent = 0.3',
            19,
            "unknown key 'share_sent'",
        ),
        ("share_remitted = 0.5", "share_remitted = 2", 21, "0..1"),
    ],
)
def test_bad_files_name_file_line_and_reason(
    tmp_path: Path, old: str, new: str, line: int, words: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(BadInput) as error:
        load_scenario(path)
    message = str(error.value)
    assert message.startswith(f"{path}, line {line}:"), message
    assert words in message


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"bad.toml: not valid TOML .*line 2"):
        load_scenario(write(tmp_path, "[scenario]\nname = \n"))
    with pytest.raises(BadInput, match="Unknown scenario 'nope'"):
        find_scenario("nope")
