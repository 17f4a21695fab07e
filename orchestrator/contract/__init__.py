"""What the orchestrator and the bridge must agree on, defined once here (docs/architecture.md, "The contract"):
`limits.py` Google's limits and the history sheet's first grid; `errors.py` every error code with its exit code;
`metadata.py` the developer-metadata keys; `sheets.py` the history and rollback-archive sheets; `grammar.py` the
migration-id grammar. `orchestrator/codegen.py` copies them (and the header rule's character classes, which the
domain model defines) into `appsscript/Contract.js`, and writes `bridge_build.py` (the bridge's build hash,
version and manifest scopes, for the installed package). A test fails while either is stale. Never copy a
constant to the other side by hand.
"""
