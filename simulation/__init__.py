"""Staffing simulation of workshop days on SimPy: staffing rules against historical demand, with 95 % CIs.

model and layout (the event loop; rules -> plain data), arrivals (demand from history), policies and
replay (dispatch rules, following the optimiser's plan), rules (rules files), inputs (the one input
gate: errors name fields), replication (one replication: Job -> Outcome), runners (in process,
process pool, Dask), design (run_experiment: rule sets x replications, common random numbers),
results and units (the result models; how each metric reads), stats, report (HTML) and verdict (its
words), staffing (cheapest staffing search) with targets (the `--target` rules), mmc (M/M/c
validation), jobs (background jobs). From the shop's own records: history (the CSV format, mapping
file, loader), history_export (bayplan's own records as one), fit (the demand model with intervals),
fit_report (HTML), sources (replay, bootstrap, fitted demand; CRN), backtest, selection (KN ranking
and selection), certify (certified staffing over head count, bays, shifts). from_status (a run from a
live day's status), overbooking and tradeoff (the booking desk's no-show overbooking, levels x
replications), day_replay (whole days replayed through the API for the promise guard). The commands
(`bayplan simulate`, `bayplan staff`) are in `cli/`.
"""
