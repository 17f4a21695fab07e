"""Seeded generator of realistic ZEUES v2.1 workbooks.

The output is a Sheets v4 `Spreadsheet` resource (the body `spreadsheets.create` accepts and
`spreadsheets.get?includeGridData=true` returns), so one file can create the workbook on Google or on the
emulator. Large workbooks are streamed to the file row by row; `build_workbook` materialises small ones.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from orchestrator.contract.limits import CELL_LIMIT
from orchestrator.domain.columns import column_letter
from orchestrator.domain.spool import V30_COLUMNS
from orchestrator.workbook.headers import (
    INSERTED_AFTER,
    INSERTED_COLUMN,
    METADATA_HEADER,
    OPERACIONES_V21_HEADER,
    OTHER_SHEETS,
    ROLES,
    ROLES_HEADER,
    TRABAJADORES_HEADER,
)

CellData = dict[str, Any]
Row = list[CellData]

_EPOCH = date(1899, 12, 30)
_DATE_FORMAT = {"numberFormat": {"type": "DATE", "pattern": "dd-mm-yyyy"}}
_EMPTY: CellData = {}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FIRST_NAMES = ("Mauricio", "Juan", "Pedro", "Luis", "Carlos", "Jorge", "Felipe", "Cristian", "Rodrigo", "Andrés",
                "Sergio", "Patricio", "Víctor", "Claudio", "Héctor", "Raúl", "Marcelo", "Nelson", "Iván", "Óscar")
_LAST_NAMES = ("Rodriguez", "González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva",
               "Martínez", "Sepúlveda", "Morales", "Fuentes", "Valenzuela", "Araya", "Castillo")
_CLIENTES = ("Codelco", "BHP Escondida", "Anglo American", "Antofagasta Minerals", "ENAP", "Arauco", "CMPC")
_UBICACIONES = ("Patio 1", "Patio 2", "Galpón A", "Galpón B", "Pintura", "Despacho")
_STATUS_SPOOL = ("PENDIENTE", "EN ARMADO", "EN SOLDADURA", "EN QC", "LIBERADO", "DESPACHADO")
# How often each role is a worker's role (the shop floor is mostly armadores and soldadores), and the roles the
# generated events need a holder of: the backend writes ARM, SOLD and METROLOGIA actions.
_ROLE_WEIGHTS = dict(zip(ROLES, (30, 30, 14, 8, 6, 7, 5), strict=True))  # Armador, Soldador, Ayudante, ...
_NEEDED_ROLES = ("Armador", "Soldador", "Metrologia")
_REAL_EXAMPLE = 93  # `MR(93)`, Mauricio Rodriguez, the worker of the real Metadata example row


class Variant(StrEnum):
    """Header variants production went through, for tests."""

    TAG_ALIAS = "tag-alias"  # the key header read `TAG_SPOOL / CODIGO_BARRA` on migration day
    UNACCENTED = "unaccented"  # `Fecha_QC_Metrologia` without the accent
    INSERTED_COLUMN = "inserted-column"  # a human inserted a column in the middle
    # Production's 63 columns: the staging list less one. Which one production lacked is not known; Marca_Placa,
    # which neither backend reads, stands in for it.
    PRODUCTION_HEADER = "production-header"


PRODUCTION_MISSING_COLUMN = "Marca_Placa"
# The columns v3.0 added, in the order the 3.0 migration appends them (a test keeps the two equal).
V30_ADDED = tuple(V30_COLUMNS.values())


@dataclass(frozen=True)
class WorkbookOptions:
    spools: int
    seed: int = 1
    variants: frozenset[Variant] = field(default_factory=frozenset)
    title: str | None = None
    # Operaciones as the v3.0 backend left it after months of production: the v3.0 columns already there, some
    # `version`s UUIDs, Fecha_Ocupacion in the three forms it was written in, full names in older Ocupado_Por.
    # For readers only: no history or column tags, so it is not a sheet `apply` or `rollback` accepts.
    production_v30: bool = False

    def __post_init__(self) -> None:
        if self.spools < 0:
            raise ValueError("spools must be >= 0")


def operaciones_header(variants: frozenset[Variant] = frozenset()) -> list[str]:
    header = list(OPERACIONES_V21_HEADER)
    if Variant.TAG_ALIAS in variants:
        header[header.index("TAG_SPOOL")] = "TAG_SPOOL / CODIGO_BARRA"
    if Variant.UNACCENTED in variants:
        header[header.index("Fecha_QC_Metrología")] = "Fecha_QC_Metrologia"
    if Variant.INSERTED_COLUMN in variants:
        header.insert(header.index(INSERTED_AFTER) + 1, INSERTED_COLUMN)
    if Variant.PRODUCTION_HEADER in variants:
        header.remove(PRODUCTION_MISSING_COLUMN)
    return header


def _s(value: str) -> CellData:
    return {"userEnteredValue": {"stringValue": value}}


def _n(value: float) -> CellData:
    return {"userEnteredValue": {"numberValue": value}}


def _b(value: bool) -> CellData:
    return {"userEnteredValue": {"boolValue": value}}


def _f(formula: str) -> CellData:
    return {"userEnteredValue": {"formulaValue": formula}}


def _date_cell(day: date) -> CellData:
    return {"userEnteredValue": {"numberValue": (day - _EPOCH).days}, "userEnteredFormat": _DATE_FORMAT}


@dataclass
class _SheetPlan:
    title: str
    header: list[str]
    rows: Iterator[Row]
    row_count: int  # grid rows, header included
    column_count: int
    frozen_rows: int = 1


@dataclass(frozen=True)
class _Worker:
    id: int
    nombre: str
    apellido: str

    @property
    def label(self) -> str:
        """`INICIALES(ID)`, as the backend writes a worker."""
        return f"{self.nombre[0]}{self.apellido[0]}({self.id})".upper().translate(str.maketrans("ÁÉÍÓÚÑ", "AEIOUN"))

    @property
    def full_name(self) -> str:
        return f"{self.nombre} {self.apellido}"


@dataclass(frozen=True)
class _Role:
    """One `Roles` row: a worker holds a role (a worker with two roles has two rows)."""

    worker_id: int
    rol: str
    activo: bool


@dataclass(frozen=True)
class _Event:
    tag: str
    tipo: str
    worker: _Worker
    day: date


class _Generator:
    def __init__(self, options: WorkbookOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        # The human-inserted column draws from its own stream, so every variant holds the same spools.
        self.human_rng = random.Random(options.seed + 1)
        self.header = operaciones_header(options.variants) + (list(V30_ADDED) if options.production_v30 else [])
        self.v30_rng = random.Random(options.seed * 7_907 + 3)  # its own stream: the v2.1 cells stay the same
        self.pos = {name: i for i, name in enumerate(self.header)}
        self.workers = [
            _Worker(10 + 7 * i + self.rng.randrange(7), self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES))
            for i in range(24)
        ]
        self.workers[0] = _Worker(_REAL_EXAMPLE, "Mauricio", "Rodriguez")  # the real example, `MR(93)`
        self.workers = _unique_ids(self.workers)
        # Who is active and who holds which role come from their own stream, so the spools stay the same.
        self.active, self.roles = _staff(self.workers, random.Random(options.seed * 104_729 + 5))
        self.holders = {rol: [w for w in self.workers if any(r.worker_id == w.id and r.rol == rol for r in self.roles)]
                        for rol in _NEEDED_ROLES}
        self.events: list[_Event] = []

    # -- Operaciones ------------------------------------------------------------------------------------
    def _legacy_or_real_date(self, day: date) -> CellData:
        """Most dates are real date cells; about one in eight is legacy text in one of four forms."""
        r = self.rng.random()
        if r > 0.125:
            return _date_cell(day)
        form = int(r * 32)
        if form == 0:
            return _s(f"{day.day}/{day.month}/{day.year}")  # 30/7/2025
        if form == 1:
            return _s(day.strftime("%d/%m/%Y"))  # 08/11/2025
        if form == 2:
            return _s(day.isoformat())  # 2025-11-08
        return _s(f"{day.day:02d}-{_MONTHS_EN[day.month - 1]}-{day.year}")  # 08-Nov-2025

    def _worker_with(self, rol: str) -> _Worker:
        """A worker with a `rol` row in Roles (the backend refuses, e.g., a METROLOGIA action by a worker without a
        Metrologia row). Draws exactly what `rng.choice(self.workers)` draws, so every seed keeps its spools."""
        holders = self.holders[rol]
        return holders[self.rng.randrange(len(self.workers)) % len(holders)]

    def _worker_cell(self, worker: _Worker) -> CellData:
        # Older rows hold full names.
        return _s(worker.full_name if self.rng.random() < 0.15 else worker.label)

    def _spool_row(self, i: int) -> Row:
        rng = self.rng
        pos = self.pos
        row: Row = [_EMPTY] * len(self.header)
        ot = 1000 + rng.randrange(900)
        tag = f"TEST-{i + 1:02d}" if i < 2 else (
            f"MK-{ot}-{rng.choice(('CW', 'TW', 'BW', 'SW'))}-{25000 + i // 1000:05d}-{i % 1000:03d}")
        if rng.random() < 0.26:
            row[pos["id"]] = _n(i + 1)
        row[pos["NV"]] = _n(100 + ot % 400)
        row[pos["OT"]] = _n(ot)
        row[pos["CT"]] = _s(f"CT-{rng.randrange(1, 40):02d}")
        row[pos["ITEM"]] = _n(rng.randrange(1, 300))
        if rng.random() < 0.1:
            row[pos["SPLIT"]] = _s(rng.choice(("A", "B", "C")))
        row[pos["TAG_SPOOL" if "TAG_SPOOL" in pos else "TAG_SPOOL / CODIGO_BARRA"]] = _s(tag)
        row[pos["STATUS_NV"]] = _s(rng.choice(("ABIERTA", "ABIERTA", "CERRADA")))
        stage = rng.randrange(7)
        row[pos["Status_Spool"]] = _s(_STATUS_SPOOL[min(stage, len(_STATUS_SPOOL) - 1)])
        row[pos["Ubicación"]] = _s(rng.choice(_UBICACIONES))
        row[pos["Cliente"]] = _s(rng.choice(_CLIENTES))
        row[pos["OC"]] = _s(f"4500{rng.randrange(100000, 999999)}")
        row[pos["Item_OC"]] = _n(rng.randrange(10, 500, 10))
        row[pos["PLANO_KRONOS N°"]] = _s(f"KR-{ot}-{rng.randrange(1000):03d}")
        row[pos["Rev."]] = _s(rng.choice(("0", "A", "B", "1")))
        if rng.random() < 0.2:
            row[pos["Notas"]] = _s(rng.choice(("Urgente", "Revisar plano", "Falta material", "ver NCR")))
        if INSERTED_COLUMN in pos and self.human_rng.random() < 0.3:
            row[pos[INSERTED_COLUMN]] = _s(self.human_rng.choice(("rack 3", "sin etiqueta", "ok")))
        row[pos["Prioridad"]] = _n(rng.randrange(1, 4))
        start = date(2025, 3, 1) + timedelta(days=rng.randrange(300))
        row[pos["Fecha_Compromiso"]] = _date_cell(start + timedelta(days=60))
        row[pos["DIAM"]] = _n(rng.choice((2, 3, 4, 6, 8, 10, 12, 16, 20, 24)))
        for name in ("PD_Soldadura", "PD_Ranurado", "PD_Hilo"):
            if rng.random() < 0.5:
                row[pos[name]] = _n(rng.randrange(0, 40))
        row[pos["Peso_Kg"]] = _n(round(rng.uniform(5, 900), 2))
        row[pos["Area_m2"]] = _n(round(rng.uniform(0.2, 30), 3))
        row[pos["Tipo Armado"]] = _s(rng.choice(("Bridado", "Soldado", "Ranurado")))
        row[pos["Tipo_Pintura"]] = _s(rng.choice(("Epóxica", "Poliuretano", "N/A")))
        row[pos["Fecha_Ingenieria"]] = _date_cell(start)
        day = start
        # Each stage reached writes its date (and worker), as the backend does on COMPLETAR.
        if stage >= 1:
            day += timedelta(days=rng.randrange(1, 10))
            row[pos["Fecha_Materiales"]] = self._legacy_or_real_date(day)
        if stage >= 2:
            armador = self._worker_with("Armador")
            row[pos["Armador"]] = self._worker_cell(armador)
            self.events.append(_Event(tag, "INICIAR_ARM", armador, day))
            if stage >= 3 or rng.random() < 0.5:
                day += timedelta(days=rng.randrange(1, 5))
                row[pos["Fecha_Armado"]] = self._legacy_or_real_date(day)
                self.events.append(_Event(tag, "COMPLETAR_ARM", armador, day))
        if stage >= 3:
            soldador = self._worker_with("Soldador")
            row[pos["Soldador"]] = self._worker_cell(soldador)
            if stage >= 4:
                day += timedelta(days=rng.randrange(1, 6))
                row[pos["Fecha_Soldadura"]] = self._legacy_or_real_date(day)
                self.events.append(_Event(tag, "COMPLETAR_SOLD", soldador, day))
        if stage >= 5:
            day += timedelta(days=rng.randrange(1, 4))
            qc = "Fecha_QC_Metrología" if "Fecha_QC_Metrología" in pos else "Fecha_QC_Metrologia"
            row[pos[qc]] = self._legacy_or_real_date(day)
            self.events.append(_Event(tag, "COMPLETAR_METROLOGIA", self._worker_with("Metrologia"), day))
        if stage >= 6:
            row[pos["Fecha_Liberación"]] = _date_cell(day + timedelta(days=2))
            row[pos["Guia_Despacho"]] = _n(rng.randrange(10000, 99999))
        prices = ("Precio Fabricación", "Precio Revestimiento", "Precio Pintura", "Precio Embalaje")
        for name in prices:
            row[pos[name]] = _n(round(rng.uniform(10_000, 900_000)))
        r = i + 2  # 1-based sheet row
        row[pos["Precio Total"]] = _f("=" + "+".join(f"{column_letter(pos[p])}{r}" for p in prices))
        if self.options.production_v30:
            self._v30_cells(row, i)
        return row

    def _v30_cells(self, row: Row, i: int) -> None:
        """The v3.0 columns after months of the real backend: it wrote UUID4s into `version` for two months
        (zeues-sheet.md, failure 6) and Fecha_Ocupacion as YYYY-MM-DD, then DD-MM-YYYY, then DD-MM-YYYY HH:MM:SS."""
        rng, pos = self.v30_rng, self.pos
        age = 3 * i // max(self.options.spools, 1)  # 0: the oldest third of the rows, 2: the newest
        row[pos["version"]] = (_s(str(uuid.UUID(int=rng.getrandbits(128), version=4))) if rng.random() < 0.07
                               else _n(rng.randrange(0, 12)))
        if rng.random() < 0.3:
            worker = rng.choice(self.workers)
            row[pos["Ocupado_Por"]] = _s(worker.full_name if age == 0 and rng.random() < 0.5 else worker.label)
            moment = datetime(2025, 12, 1) + timedelta(days=rng.randrange(90), seconds=rng.randrange(86_400))
            form = ("%Y-%m-%d", "%d-%m-%Y", "%d-%m-%Y %H:%M:%S")[age]
            row[pos["Fecha_Ocupacion"]] = _s(moment.strftime(form))

    def _operaciones_rows(self) -> Iterator[Row]:
        yield [_s(h) for h in self.header]
        notas = self.pos["Notas"]
        for i in range(self.options.spools):
            if i and i % 97 == 0:
                # A human note between spools: a data row without TAG_SPOOL (not a spool).
                note: Row = [_EMPTY] * (notas + 1)
                note[notas] = _s(f"--- lote {i // 97} ---")
                yield note
            yield _trim(self._spool_row(i))

    def data_rows(self) -> int:
        return self.options.spools + (max(self.options.spools - 1, 0) // 97)

    # -- Metadata ---------------------------------------------------------------------------------------
    def _metadata_rows(self) -> Iterator[Row]:
        yield [_s(h) for h in METADATA_HEADER]
        rng = random.Random(self.options.seed * 7919 + 1)
        cutoff = date(2025, 9, 1)  # older rows have ISO UTC timestamps, newer ones Chile local time
        for event in self.events:
            moment = datetime(event.day.year, event.day.month, event.day.day, 8) + timedelta(
                seconds=rng.randrange(10 * 3600), microseconds=rng.randrange(1_000_000))
            if event.day < cutoff:
                stamp = (moment + timedelta(hours=3)).replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            else:
                stamp = moment.strftime("%d-%m-%Y %H:%M:%S")
            operacion = event.tipo.split("_", 1)[1]
            row: Row = [
                _s(str(uuid.UUID(int=rng.getrandbits(128), version=4))),
                _s(stamp),
                _s(event.tipo),
                _s(event.tag),
                _n(event.worker.id),
                _s(event.worker.label),
                _s(operacion),
                _s(event.tipo.split("_", 1)[0]),
                _date_cell(event.day),
                _s(json.dumps({"origen": "app", "version_app": "2.1"})) if rng.random() < 0.3 else _EMPTY,
            ]
            yield _trim(row)

    # -- small sheets -----------------------------------------------------------------------------------
    def _trabajadores_rows(self) -> Iterator[Row]:
        yield [_s(h) for h in TRABAJADORES_HEADER]
        for w in self.workers:
            yield [_n(w.id), _s(w.nombre), _s(w.apellido), _b(self.active[w.id])]

    def _roles_rows(self) -> Iterator[Row]:
        """One row per worker and role, as the backend reads Roles: `Id` is the worker's Trabajadores id."""
        yield [_s(h) for h in ROLES_HEADER]
        for role in self.roles:
            yield [_n(role.worker_id), _s(role.rol), _b(role.activo)]

    def sheets(self) -> Iterator[_SheetPlan]:
        data = self.data_rows()
        # A grid larger than the data, as production's (2,556 rows for ~1,100), but kept under the cell limit
        # at 100,000 spools; and no spare column, the condition that broke the first attempt.
        slack = data + data // 3 if data <= 20_000 else data // 10
        operaciones = _SheetPlan("Operaciones", self.header, self._operaciones_rows(), data + 1 + slack,
                                 len(self.header))
        # Fail before generating anything when the main sheet alone is over the limit.
        _check_cell_budget([{"properties": _sheet_properties(operaciones, 0, 0)}])
        yield operaciones
        # The Metadata rows come from events collected while Operaciones was generated, so this plan must be
        # consumed after the Operaciones rows (streaming writes them in order).
        yield _SheetPlan("Metadata", list(METADATA_HEADER), self._metadata_rows(),
                         -1, len(METADATA_HEADER))
        yield _SheetPlan("Trabajadores", list(TRABAJADORES_HEADER), self._trabajadores_rows(), 200,
                         len(TRABAJADORES_HEADER))
        yield _SheetPlan("Roles", list(ROLES_HEADER), self._roles_rows(), max(50, len(self.roles) + 1),
                         len(ROLES_HEADER))
        for title in OTHER_SHEETS:
            yield _SheetPlan(title, ["Nota"], iter([[_s("Nota")], [_s(f"Hoja {title} (sin uso por la app)")]]),
                             100, 5)

    def properties(self) -> dict[str, Any]:
        opts = self.options
        variants = ",".join(sorted(v.value for v in opts.variants)) or "standard"
        return {
            "title": opts.title or f"ZEUES Producción (generated: {opts.spools} spools, seed {opts.seed}, {variants})",
            "locale": "es_CL",
            "timeZone": "America/Santiago",
        }


def _unique_ids(workers: list[_Worker]) -> list[_Worker]:
    """The drawn ids with repeats moved to the next free id below (the real example's 93 is also in the range
    the twelfth worker's id is drawn from)."""
    used: set[int] = set()
    out = []
    for worker in workers:
        worker_id = worker.id
        while worker_id in used:
            worker_id -= 1
        used.add(worker_id)
        out.append(worker if worker_id == worker.id else _Worker(worker_id, worker.nombre, worker.apellido))
    return out


def _staff(workers: list[_Worker], rng: random.Random) -> tuple[dict[int, bool], list[_Role]]:
    """Who is active (about 85%) and the Roles rows: every worker holds one role, about a third two; each role the
    events need has an active holder; an inactive worker's rows are inactive, and a helper who moved on to a
    second trade keeps an inactive Ayudante row."""
    names, weights = list(_ROLE_WEIGHTS), list(_ROLE_WEIGHTS.values())
    active = {w.id: w.id == _REAL_EXAMPLE or rng.random() < 0.85 for w in workers}
    held: dict[int, list[str]] = {}
    for w in workers:
        first = rng.choices(names, weights)[0]
        held[w.id] = [first]
        if rng.random() < 0.33:
            held[w.id].append(rng.choices([n for n in names if n != first], [_ROLE_WEIGHTS[n] for n in names
                                                                           if n != first])[0])
    held[_REAL_EXAMPLE] = ["Armador", "Soldador"]  # the real example arms and welds
    for rol in _NEEDED_ROLES:
        if not any(rol in held[w.id] and active[w.id] for w in workers):
            # The first active worker with a single role takes it on as a second one (or instead of the second).
            others = [w for w in workers if active[w.id] and w.id != _REAL_EXAMPLE]
            taker = next((w for w in others if len(held[w.id]) == 1), others[0])
            held[taker.id] = [held[taker.id][0], rol]
    roles = []
    for w in workers:
        for rol in held[w.id]:
            moved_on = rol == "Ayudante" and len(held[w.id]) == 2 and rng.random() < 0.5
            roles.append(_Role(w.id, rol, active[w.id] and not moved_on))
    return active, roles


def _trim(row: Row) -> Row:
    end = len(row)
    while end and row[end - 1] is _EMPTY:
        end -= 1
    return row[:end]


def _sheet_properties(plan: _SheetPlan, index: int, rows_written: int) -> dict[str, Any]:
    row_count = plan.row_count if plan.row_count > 0 else rows_written + max(rows_written // 20, 100)
    return {
        "sheetId": 0 if index == 0 else 1000 + index,
        "title": plan.title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": row_count, "columnCount": plan.column_count, "frozenRowCount": plan.frozen_rows},
    }


def build_workbook(options: WorkbookOptions) -> dict[str, Any]:
    """The whole `Spreadsheet` resource in memory (for tests and small workbooks)."""
    gen = _Generator(options)
    sheets: list[dict[str, Any]] = []
    for index, plan in enumerate(gen.sheets()):
        rows = [{"values": r} for r in plan.rows]
        sheets.append({
            "properties": _sheet_properties(plan, index, len(rows)),
            "data": [{"startRow": 0, "startColumn": 0, "rowData": rows}],
        })
    _check_cell_budget(sheets)
    return {"properties": gen.properties(), "sheets": sheets}


@dataclass(frozen=True)
class WriteStats:
    cells: int  # grid cells, as Google counts them against the limit
    data_rows: int
    bytes: int


_T = TypeVar("_T")


class Reporter(Protocol):
    """What `write_workbook` reports to: engine/progress.py's `Progress` (this layer does not import it)."""

    def step(self, name: str, note: str = "") -> None: ...
    def done(self, name: str, note: str = "") -> None: ...
    def count(self, label: str, items: Iterable[_T], total: int | None, unit: str = "rows") -> Iterator[_T]: ...


class _Silent:
    def step(self, name: str, note: str = "") -> None:
        pass

    def done(self, name: str, note: str = "") -> None:
        pass

    def count(self, label: str, items: Iterable[_T], total: int | None, unit: str = "rows") -> Iterator[_T]:
        return iter(items)


def write_workbook(options: WorkbookOptions, output: Path, progress: Reporter | None = None) -> WriteStats:
    """Stream the resource to `output` without holding the grid in memory; `progress` sees each sheet written
    and the rows generated (of the known total: a bar on a terminal)."""
    gen = _Generator(options)
    progress = progress or _Silent()
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    sheet_props: list[dict[str, Any]] = []
    tmp = output.with_name(output.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write('{"properties":' + dumps(gen.properties()) + ',"sheets":[')
        for index, plan in enumerate(gen.sheets()):
            # Properties (which need the row count) come after the data in the file: JSON objects are
            # unordered, and this keeps a single pass.
            if index:
                out.write(",")
            out.write('{"data":[{"startRow":0,"startColumn":0,"rowData":[')
            progress.step(f"sheet {plan.title}", "generating rows")
            total = gen.data_rows() + 1 if plan.title == "Operaciones" else None  # the big one; the others are small
            written = _write_rows(out, progress.count(f"{plan.title} rows", plan.rows, total), dumps)
            props = _sheet_properties(plan, index, written)
            sheet_props.append(props)
            out.write(']}],"properties":' + dumps(props) + "}")
            progress.done(f"sheet {plan.title}", f"{written:,} rows written")
        out.write("]}\n")
    cells = _check_cell_budget([{"properties": p} for p in sheet_props])
    tmp.replace(output)
    return WriteStats(cells=cells, data_rows=gen.data_rows(), bytes=output.stat().st_size)


def _write_rows(out: IO[str], rows: Iterator[Row], dumps: Any) -> int:
    count = 0
    for row in rows:
        out.write(('{"values":' if count == 0 else ',{"values":') + dumps(row) + "}")
        count += 1
    return count


def _check_cell_budget(sheets: list[dict[str, Any]]) -> int:
    cells: int = sum(s["properties"]["gridProperties"]["rowCount"] * s["properties"]["gridProperties"]["columnCount"]
                     for s in sheets)
    if cells > CELL_LIMIT:
        raise ValueError(f"workbook would have {cells:,} cells, over Google's {CELL_LIMIT:,} limit; use fewer spools")
    return cells
