"""zeues-migrate: safe schema migrations for the ZEUES Google Sheet."""
