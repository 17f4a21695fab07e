"""`python -m orchestrator.workbook --spools N --output FILE`: write a generated v2.1 workbook."""

from orchestrator.cli.workbook import workbook

workbook(prog_name="python -m orchestrator.workbook")
