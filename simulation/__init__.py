"""Staffing simulation of workshop days on SimPy: staffing rules against historical demand, with 95 % CIs.

model (the event loop), layout (rules -> plain data), arrivals (demand from history), policies and
replay (dispatch rules, following the optimiser's plan), rules (rules files), inputs (the one input
gate: errors name fields), replication (one replication: Job -> Outcome), runners (in process,
process pool, Dask), design (run_experiment: rule sets x replications, common random numbers),
results (the result models), experiment (the old import names), stats, report (HTML), staffing
(cheapest staffing search), mmc (M/M/c validation), cli (`bayplan simulate`, `bayplan staff`).
From the shop's own records: history (the CSV format, mapping file, loader), fit (the demand model
with intervals), fit_report (HTML), sources (replay, bootstrap, fitted demand; CRN), backtest,
selection (KN ranking and selection), certify (certified staffing over head count, bays, shifts).
"""
