import pytest

from orchestrator.domain.columns import ColumnMap, HeaderError, column_letter, header_fingerprint, normalize_header
from orchestrator.workbook import Variant, operaciones_header


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Fecha_QC_Metrología", "Fecha_QC_Metrologia"),  # accent
        ("TAG_SPOOL / CODIGO_BARRA", "TAG_SPOOL"),  # the ` / ` alias
        ("Tipo Armado", "Tipo_Armado"),  # space vs underscore
        ("tag_spool", "TAG_SPOOL"),  # case
        ("Ubicación", "UBICACION"),
        ("N°_Informe_UT_ RX", "N°_Informe_UT_RX"),
        ("  Ocupado_Por ", "Ocupado_Por"),  # surrounding spaces
    ],
)
def test_names_that_normalise_alike(a: str, b: str) -> None:
    assert normalize_header(a) == normalize_header(b)


@pytest.mark.parametrize(("a", "b"), [("Fecha_Armado", "Fecha_Soldadura"), ("NV", "OT"), ("Rev.", "Rev")])
def test_names_that_stay_distinct(a: str, b: str) -> None:
    assert normalize_header(a) != normalize_header(b)


def test_slash_without_spaces_is_not_an_alias() -> None:
    # `OK NDT si/no/Rep` is one name, not `OK NDT si` with aliases.
    assert normalize_header("OK NDT si/no/Rep") == "okndtsi/no/rep"


def test_lookup_by_any_spelling_returns_the_position() -> None:
    columns = ColumnMap(operaciones_header(frozenset({Variant.TAG_ALIAS, Variant.UNACCENTED})))
    assert columns.index("TAG_SPOOL") == operaciones_header().index("TAG_SPOOL")
    assert columns.index("Fecha_QC_Metrología") == columns.index("fecha qc metrologia")
    assert "Ocupado_Por" not in columns
    assert columns.get("Ocupado_Por") is None


def test_missing_column_error_names_it() -> None:
    with pytest.raises(HeaderError, match="'Ocupado_Por' not found"):
        ColumnMap(["TAG_SPOOL"]).index("Ocupado_Por")
    with pytest.raises(HeaderError, match="missing v3.0 columns: Ocupado_Por, version"):
        ColumnMap(["TAG_SPOOL", "Fecha_Ocupacion"]).require(["Ocupado_Por", "Fecha_Ocupacion", "version"],
                                                            what="v3.0 columns")


@pytest.mark.parametrize(
    "header",
    [
        ["TAG_SPOOL", "NV", "TAG_SPOOL"],  # exact
        ["TAG_SPOOL", "NV", "tag spool"],  # after normalisation
        ["Fecha_QC_Metrología", "x", "Fecha_QC_Metrologia"],  # accent only
        ["TAG_SPOOL / CODIGO_BARRA", "TAG_SPOOL"],  # alias
    ],
)
def test_duplicate_after_normalisation_names_both_columns(header: list[str]) -> None:
    with pytest.raises(HeaderError) as err:
        ColumnMap(header)
    message = str(err.value)
    assert f"column A {header[0]!r}" in message
    assert f"column {column_letter(len(header) - 1)} {header[-1]!r}" in message


def test_blank_header_cells_are_not_columns_but_are_reported() -> None:
    columns = ColumnMap(["TAG_SPOOL", "", "NV", "  ", "OT", ""])
    assert columns.index("NV") == 2
    assert columns.last_named_index == 4
    assert columns.blank_between_names() == [1, 3]


def test_fingerprint_changes_when_a_column_is_inserted_in_the_middle() -> None:
    before = operaciones_header()
    after = operaciones_header(frozenset({Variant.INSERTED_COLUMN}))
    assert ColumnMap(before).fingerprint != ColumnMap(after).fingerprint
    # ... and every column right of the insertion moved, which a stale map would misread.
    assert ColumnMap(after).index("Armador") == ColumnMap(before).index("Armador") + 1


def test_fingerprint_is_exact_not_normalised() -> None:
    # A rename to an equivalent spelling still changes the header the plan saw.
    assert header_fingerprint(["TAG_SPOOL"]) != header_fingerprint(["TAG_SPOOL / CODIGO_BARRA"])
    assert header_fingerprint(["a", "b"]) == header_fingerprint(["a", "b"])
    assert header_fingerprint(["a", "b"]) != header_fingerprint(["b", "a"])


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (63, "BL"), (701, "ZZ"),
                                                (702, "AAA"), (18_277, "ZZZ")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters
