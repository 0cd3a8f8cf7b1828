"""The workshop domain and planning service: contract, scenarios, baseline dispatcher, validator, CLI."""
