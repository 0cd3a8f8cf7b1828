"""The CP-SAT day-plan model, its objective and relaxation bounds: plain data in, placements out; no
I/O."""
