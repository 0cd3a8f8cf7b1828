"""Compatibility names: the experiment API as it was imported before the split (api/ imports these).

New code imports from the modules that hold the names: results (the result models), replication
(one replication), runners (local, Dask), design (run_experiment), inputs (the input gate).
"""

from __future__ import annotations

from simulation.design import aggregate, make_jobs, run_experiment
from simulation.inputs import BUNDLED_NAME, bundled_scenario, check_inputs, default_scenario_path, prepare
from simulation.replication import Job, Outcome, measure, run_job, simulate_days
from simulation.results import METRIC_UNITS, WAIT_EDGES, ExperimentResult, Metric, RuleSetResult
from simulation.runners import Runner, run_local, run_on_cluster

__all__ = [
    "BUNDLED_NAME",
    "METRIC_UNITS",
    "WAIT_EDGES",
    "ExperimentResult",
    "Job",
    "Metric",
    "Outcome",
    "RuleSetResult",
    "Runner",
    "aggregate",
    "bundled_scenario",
    "check_inputs",
    "default_scenario_path",
    "make_jobs",
    "measure",
    "prepare",
    "run_experiment",
    "run_job",
    "run_local",
    "run_on_cluster",
    "simulate_days",
]
