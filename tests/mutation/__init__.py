"""Mutation testing (`python3 tasks.py mutate`): mutmut over the unit-tested modules, and hand-written mutants
of the guarantee code (mutants.py) against the suites that must kill them. docs/testing.md reads the report."""
