"""The ZEUES domain model: header mapping, cell parsing, spools, Metadata events, schema modes.

A library: the ZEUES v3.0 backend imports it as the tool does. It depends on pydantic and the standard
library only (no Google client, nothing of the engine). The public API is what `__all__` lists; docs/domain.md
describes it. Import from here, not from the submodules.
"""

from orchestrator.domain.cells import (
    CellParseError,
    CellValue,
    WorkerRef,
    datetime_to_serial,
    format_local_datetime,
    is_blank,
    parse_date,
    parse_int,
    parse_local_datetime,
    parse_text,
    parse_timestamp,
    parse_worker,
    serial_to_datetime,
)
from orchestrator.domain.columns import (
    ColumnMap,
    HeaderError,
    column_letter,
    column_name_problem,
    header_fingerprint,
    normalize_header,
    quote_sheet,
)
from orchestrator.domain.contract import (
    CellType,
    ColumnContract,
    ColumnRule,
    DateTimeType,
    DateType,
    IntegerType,
    OneOfType,
    SheetChecker,
    SheetContract,
    TextType,
    Violation,
    WorkerType,
    contracts_for,
    merge_contracts,
)
from orchestrator.domain.events import METADATA_COLUMNS, EventoTipo, MetadataEvent, Operacion
from orchestrator.domain.schema_mode import SchemaMode, resolve_schema_mode
from orchestrator.domain.spool import (
    KEY_COLUMN,
    OPERACIONES,
    V21_COLUMNS,
    V30_COLUMNS,
    EstadoOcupacion,
    Spool,
    SpoolRead,
    SpoolReader,
    SpoolWriter,
)

__all__ = [
    "KEY_COLUMN", "METADATA_COLUMNS", "OPERACIONES", "V21_COLUMNS", "V30_COLUMNS",
    "CellParseError", "CellType", "CellValue", "ColumnContract", "ColumnMap", "ColumnRule", "DateTimeType",
    "DateType", "IntegerType", "OneOfType", "SheetChecker", "SheetContract", "SpoolRead", "TextType", "Violation",
    "WorkerType", "contracts_for", "merge_contracts", "EstadoOcupacion", "EventoTipo", "HeaderError", "MetadataEvent",
    "Operacion", "SchemaMode", "Spool", "SpoolReader", "SpoolWriter", "WorkerRef",
    "column_letter", "column_name_problem", "datetime_to_serial", "format_local_datetime", "header_fingerprint",
    "is_blank", "normalize_header", "parse_date", "parse_int", "parse_local_datetime", "parse_text",
    "parse_timestamp", "parse_worker", "quote_sheet", "resolve_schema_mode", "serial_to_datetime",
]
