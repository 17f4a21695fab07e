"""Deterministic, realistic ZEUES v2.1 workbooks as Sheets v4 `Spreadsheet` resources."""

from orchestrator.workbook.generator import Variant, WorkbookOptions, build_workbook, operaciones_header, write_workbook

__all__ = ["Variant", "WorkbookOptions", "build_workbook", "operaciones_header", "write_workbook"]
