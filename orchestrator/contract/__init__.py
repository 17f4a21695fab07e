"""What the orchestrator and the bridge must agree on, defined once here. `limits.py`: Google's limits and the
history sheet's first grid, which `orchestrator/codegen.py` copies into `appsscript/Contract.js` (a test fails
while that copy is stale)."""
