"""The ZEUES domain model: header mapping, cell parsing, spools, Metadata events, schema modes."""
