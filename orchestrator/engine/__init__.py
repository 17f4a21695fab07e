"""The migration engine: preflight, snapshot, backup, apply, verify, rollback — each step checkpointed."""
