"""Dump: a read-only copy of a live spreadsheet as a Sheets v4 `Spreadsheet` resource file.

The file is the body `spreadsheets.create` takes (on Google or on the emulator), so an operator can take
production home and rehearse on it offline (`zeues-migrate rehearse --from FILE`). It holds what a migration
and its verification depend on: every cell's user-entered value (formulas as formulas), format, data
validation and note; grid sizes, frozen rows and columns, hidden sheets, rows and columns, column widths
and row heights; developer metadata where `spreadsheets.create` takes it (the spreadsheet's, each sheet's,
each row's and column's, inside the GridData's `rowMetadata`/`columnMetadata`), ids kept so the copy's
tags match the original's; merges, conditional formats, filters, banding and named ranges.

Reads go through the paced and retried SheetsReader in row chunks under the 2 MB payload guidance, and
rows are written to the file as they arrive: memory holds one chunk, whatever the size of the sheet. The
file appears under its name only once complete.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from orchestrator.domain.columns import quote_sheet
from orchestrator.engine.private_files import LocalIOError, is_local_failure, private_dir
from orchestrator.engine.progress import Progress
from orchestrator.google.sheets import Grid, SheetsReader

SPREADSHEET_PROPERTIES = "title,locale,autoRecalc,timeZone,iterativeCalculationSettings"
SHEET_PROPERTIES = "sheetId,title,index,sheetType,gridProperties,hidden,tabColorStyle,rightToLeft"
SHEET_PARTS = ("merges", "conditionalFormats", "basicFilter", "bandedRanges")
NOT_COPIED = ("protectedRanges", "filterViews", "charts")  # counted and reported, not copied
STRUCTURE_FIELDS = (f"spreadsheetId,properties({SPREADSHEET_PROPERTIES}),developerMetadata,namedRanges,"
                    f"sheets(properties({SHEET_PROPERTIES}),developerMetadata,{','.join(SHEET_PARTS)},"
                    f"protectedRanges(protectedRangeId),filterViews(filterViewId),charts(chartId))")
COLUMN_FIELDS = "sheets(properties(sheetId),data(columnMetadata(pixelSize,hiddenByUser,developerMetadata)))"
METADATA_FIELDS = ("metadataId", "metadataKey", "metadataValue", "visibility")


class SheetDump(BaseModel):
    title: str
    grid_rows: int
    grid_columns: int
    data_rows: int  # rows up to the last one holding any cell data
    cells: int  # cells holding a value, format, validation or note


class DumpReport(BaseModel):
    spreadsheet_id: str
    title: str
    output: str
    sheets: list[SheetDump]
    bytes_written: int
    seconds: float
    not_copied: list[str]  # what the file leaves out, said plainly


def _metadata(entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Developer metadata as `spreadsheets.create` takes it: its place in the resource is its location."""
    return [{k: md[k] for k in METADATA_FIELDS if k in md} for md in entries or []]


def _dimension(props: dict[str, Any]) -> dict[str, Any]:
    out = {k: props[k] for k in ("pixelSize", "hiddenByUser") if props.get(k)}
    if props.get("developerMetadata"):
        out["developerMetadata"] = _metadata(props["developerMetadata"])
    return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _open(head: dict[str, Any], key: str) -> str:
    """`head` as JSON left open for a streamed list under `key`: `{"properties":{…},"key":[`."""
    return _json(head)[:-1] + f',"{key}":['


def dump_spreadsheet(reader: SheetsReader, spreadsheet_id: str, output: Path,
                     progress: Progress | None = None, *, overwrite: bool = True) -> DumpReport:
    """Write `spreadsheet_id` to `output` as a `Spreadsheet` resource; read-only on the spreadsheet. With
    `overwrite` False a file that appeared at `output` during the dump is kept (FileExistsError)."""
    progress = progress or Progress(None)
    started = time.perf_counter()
    progress.step("dump", "reading the structure")
    structure = reader.get_spreadsheet(spreadsheet_id, STRUCTURE_FIELDS)
    sheets = structure.get("sheets", [])
    grid = [s for s in sheets if s.get("properties", {}).get("sheetType", "GRID") == "GRID"]
    not_copied = [f"sheet {s['properties'].get('title')!r} ({s['properties'].get('sheetType')}): not a grid"
                  for s in sheets if s not in grid]
    for s in sheets:
        not_copied += [f"{s['properties'].get('title')!r}: {len(s[part])} {part}" for part in NOT_COPIED if s.get(part)]
    # One request for every sheet's column properties: a range of row 1 covers all the columns (and starts
    # inside every grid that has a cell at all).
    sizes = {str(s["properties"].get("title", "")): Grid.of(s["properties"]) for s in grid}
    columns_of: dict[int, list[dict[str, Any]]] = {}
    with_cells = [s for s in grid if sizes[str(s["properties"].get("title", ""))].holds(1)]
    if with_cells:
        got = reader.get_spreadsheet(spreadsheet_id, COLUMN_FIELDS, [_row_one(s["properties"]) for s in with_cells],
                                     grids=sizes)
        for s in got.get("sheets", []):
            data = (s.get("data") or [{}])[0]
            columns_of[int(s.get("properties", {}).get("sheetId", 0))] = data.get("columnMetadata", [])

    private_dir(output.parent)  # a folder made here is 0700; the file below is 0600 (mkstemp)
    fd, partial = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    dumped: list[SheetDump] = []
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            head: dict[str, Any] = {"properties": structure.get("properties", {})}
            if structure.get("developerMetadata"):
                head["developerMetadata"] = _metadata(structure["developerMetadata"])
            if structure.get("namedRanges"):
                head["namedRanges"] = structure["namedRanges"]
            out.write(_open(head, "sheets"))
            for i, sheet in enumerate(grid):
                out.write("," if i else "")
                dumped.append(_dump_sheet(reader, spreadsheet_id, sheet, columns_of.get(
                    int(sheet["properties"].get("sheetId", 0)), []), out, output.parent, progress))
            out.write("]}\n")
            out.flush()
            os.fsync(out.fileno())
        if overwrite:
            os.replace(partial, output)
        else:
            _place_new(Path(partial), output)
    except BaseException as exc:
        Path(partial).unlink(missing_ok=True)
        if isinstance(exc, OSError) and is_local_failure(exc):  # a full disk: LOCAL_IO naming the file
            raise LocalIOError(output, exc) from exc
        raise
    props = structure.get("properties", {})
    report = DumpReport(spreadsheet_id=spreadsheet_id, title=str(props.get("title", "")), output=str(output),
                        sheets=dumped, bytes_written=output.stat().st_size,
                        seconds=round(time.perf_counter() - started, 3), not_copied=not_copied)
    progress.done("dump", f"{len(dumped)} sheets, {sum(s.cells for s in dumped):,} cells, "
                          f"{report.bytes_written / 1e6:.1f} MB")
    return report


def _place_new(partial: Path, output: Path) -> None:
    """Give `partial` the name `output` only if no file has it: a hard link never replaces a name, so there is no
    window between a check and the rename. Where links are not supported, check then rename."""
    try:
        os.link(partial, output)
    except FileExistsError:
        raise
    except OSError:
        if output.exists() or output.is_symlink():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(output)) from None
        os.replace(partial, output)
        return
    partial.unlink()


def _row_one(props: dict[str, Any]) -> str:
    return f"{quote_sheet(str(props.get('title', '')))}!1:1"


def _dump_sheet(reader: SheetsReader, spreadsheet_id: str, sheet: dict[str, Any], columns: list[dict[str, Any]],
                out: IO[str], work: Path, progress: Progress) -> SheetDump:
    """Write one sheet object: its parts, then its rows as they stream in, then the row and column properties."""
    props = sheet["properties"]
    title = str(props.get("title", ""))
    size = Grid.of(props)
    rows_n, cols_n = size.size
    head: dict[str, Any] = {"properties": props}
    if sheet.get("developerMetadata"):
        head["developerMetadata"] = _metadata(sheet["developerMetadata"])
    head.update({part: sheet[part] for part in SHEET_PARTS if sheet.get(part)})
    out.write(_open(head, "data") + '{"rowData":[')
    data_rows = cells = 0
    # Row properties stream to a side file, then follow the rows: both lists are as long as the sheet.
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=work) as row_props:
        pending_blank = 0  # empty rows are written only when a later row has cells (trailing ones are not)
        row_number = 0
        if rows_n and cols_n:
            chunks = reader.iter_grid(spreadsheet_id, title, size, cols_n, 1)
            for chunk in progress.rows(f"dump {title}", chunks):
                for row_data, dimension in chunk:
                    row_props.write(("," if row_number else "") + _json(_dimension(dimension)))
                    row_number += 1
                    values = row_data.get("values", [])
                    if not any(values):
                        pending_blank += 1
                        continue
                    out.write(("," if data_rows else "") + ",".join(["{}"] * pending_blank)
                              + ("," if pending_blank else "") + _json({"values": values}))
                    data_rows += pending_blank + 1
                    pending_blank = 0
                    cells += sum(1 for c in values if c)
        out.write('],"rowMetadata":[')
        row_props.seek(0)
        while block := row_props.read(1 << 20):
            out.write(block)
    out.write('],"columnMetadata":' + _json([_dimension(c) for c in columns[:cols_n]]) + "}]}")
    return SheetDump(title=title, grid_rows=rows_n, grid_columns=cols_n, data_rows=data_rows, cells=cells)
