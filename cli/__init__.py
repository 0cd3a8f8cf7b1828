"""The outermost layer: the `bayplan` command line (typer) and its rich rendering of plans,
re-plans, simulations and staffing searches. It may import every other package; none imports it."""
