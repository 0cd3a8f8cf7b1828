"""Staffing simulation of workshop days on SimPy: staffing rules against historical demand, with 95 % CIs.

model (the event loop), layout (rules -> plain data), arrivals (demand from history), policies and
replay (dispatch rules, following the optimiser's plan), rules (rules files), experiment (runner,
process pool), cluster (Dask), stats, report (HTML), staffing (cheapest staffing search), mmc
(M/M/c validation), cli (`bayplan simulate`, `bayplan staff`).
"""
