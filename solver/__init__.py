"""The CP-SAT day-plan model: plain data in, assignments out; no I/O."""
