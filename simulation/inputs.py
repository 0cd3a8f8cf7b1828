"""The one input gate of the simulator: an experiment's inputs checked before any work starts.

Errors name the field (`scenario`, `rules[0]`, `rules`, `month`, `season`, `days`, `growth`), never
a command-line flag: the CLI turns field names into its flags when it prints them, the API
answers 422 naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.scenarios import SCENARIO_ROOT, Scenario, list_scenarios, load_scenario
from simulation.arrivals import HistoryDemand, Period, choose_period
from simulation.rules import StaffingRules, list_rules, load_rules

BUNDLED_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""What a bundled scenario or rules name looks like: no dots, slashes or other path syntax."""


def bundled_scenario(name: str) -> Scenario:
    """A scenario bundled in scenarios/, by name only (the service never opens a path it is given)."""
    known = list_scenarios()
    if BUNDLED_NAME.fullmatch(name) is None or name not in known:
        raise InputError(
            "scenario",
            N_("unknown scenario %(name)r (known: %(known)s)") % {"name": name, "known": ", ".join(known)},
        )
    return load_scenario(SCENARIO_ROOT / name)


def check_inputs(
    scenario: Scenario,
    rules: Sequence[str],
    days: int,
    month: str | None,
    season: str | None,
    growth: float,
    *,
    files: bool = False,
) -> tuple[list[StaffingRules], Period]:
    """The rule sets and the period of an experiment, or an InputError naming the field.

    `rules` are names of the rules files bundled with the scenario (scenarios/<name>/rules/<rules>.toml);
    with `files` (the command line) a rules name may also be the path of a .toml file.
    """
    rule_sets = [_rule_set(scenario, name, f"rules[{i}]", files) for i, name in enumerate(rules)]
    names = [r.name for r in rule_sets]
    if len(set(names)) != len(names):
        raise InputError("rules", N_("rule set names must differ, got %(names)s") % {"names": names})
    period = choose_period(scenario, days, month, season)
    HistoryDemand(scenario, growth)  # checks the growth factor
    return rule_sets, period


def _rule_set(scenario: Scenario, name: str, field: str, files: bool) -> StaffingRules:
    if files:
        return load_rules(scenario, name, field=field)
    known = list_rules(scenario)
    if BUNDLED_NAME.fullmatch(name) is None or name not in known:
        raise InputError(
            field,
            N_("unknown rules %(name)r for %(scenario)s (known: %(known)s)")
            % {"name": name, "scenario": scenario.name, "known": ", ".join(known)},
        )
    return load_rules(scenario, str(scenario.path / "rules" / f"{name}.toml"), field=field)


def prepare(
    scenario: Scenario,
    rule_names: list[str],
    days: int,
    month: str | None,
    season: str | None,
    growth: float,
) -> tuple[list[StaffingRules], Period]:
    """An experiment's inputs by bundled names (the service): `check_inputs` without file paths."""
    return check_inputs(scenario, rule_names, days, month, season, growth)
