"""The workshop domain and planning service: contract, scenarios, planners (baseline dispatcher,
optimiser, re-planning), validator, slot offers and the booking desk, storage, the shop floor,
reports from actuals, translations and the one clock. The CLI is in `cli/`, the HTTP service in
`api/`."""
