import hashlib
import json
from pathlib import Path

import pytest

from orchestrator.domain.spool import OPERACIONES, V30_COLUMNS
from orchestrator.migrations import (
    MIGRATIONS_DIR,
    MigrationSpecError,
    bridge_payload,
    load_baseline,
    load_migration,
    load_migrations,
)
from orchestrator.codegen import rendered_files
from orchestrator.migrations.spec import AddColumns, Migration, RegisterEventTypes, canonical_json, checksum_of



def v30_data() -> dict[str, object]:
    return json.loads((MIGRATIONS_DIR / "3.0.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_v30_migration_is_what_the_design_says() -> None:
    (migration,) = [m for m in load_migrations() if m.id == "3.0"]
    add = migration.operations[0]
    assert isinstance(add, AddColumns) and add.sheet == OPERACIONES and add.key_column == "TAG_SPOOL"
    assert [c.name for c in add.columns] == list(V30_COLUMNS.values())
    version = add.columns[2]
    assert (version.default, version.default_on) == (0, "key_rows")
    assert add.columns[0].default is None and add.columns[1].default is None
    reg = migration.operations[1]
    assert isinstance(reg, RegisterEventTypes) and reg.event_types == ["TOMAR_SPOOL", "PAUSAR_SPOOL"]
    assert (reg.sheet, reg.column) == ("Metadata", "evento_tipo")


def test_checksum_ignores_key_order_and_whitespace() -> None:
    data = v30_data()
    original = Migration.model_validate(data).checksum
    reordered = json.loads(json.dumps(data, sort_keys=True))
    reordered = dict(reversed(list(reordered.items())))
    pretty = json.loads(json.dumps(reordered, indent=7))
    assert Migration.model_validate(pretty).checksum == original
    assert original.startswith("sha256:") and len(original) == 71


def test_checksum_changes_with_any_content_change() -> None:
    data = v30_data()
    original = Migration.model_validate(data).checksum
    changed = json.loads(json.dumps(data))
    changed["operations"][0]["columns"][2]["default"] = 1
    assert Migration.model_validate(changed).checksum != original
    renamed = json.loads(json.dumps(data))
    renamed["operations"][0]["columns"][0]["name"] = "Ocupado_por"
    assert Migration.model_validate(renamed).checksum != original


def test_checksum_is_stable_across_releases() -> None:
    # Changing this value means an applied migration's file changed: Flyway would refuse, and so do we.
    assert load_migrations()[0].checksum == "sha256:9e8f1dfaa607e09a7c0ff4ffbdb57899c48b4e62b01673181fd33aee045b70ce"


def test_bridge_payload_fills_defaults_and_carries_the_checksum() -> None:
    payload = bridge_payload(load_migrations()[0])
    assert payload["checksum"] == load_migrations()[0].checksum
    assert payload["operations"][0]["columns"][0]["default_on"] == "key_rows"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(id="three"), "dotted version"),
        (lambda d: d["operations"][0].update(kind="drop_table"), "kind"),
        (lambda d: d["operations"][0]["columns"].append({"name": "ocupado por"}), "normalise to the same name"),
        (lambda d: d["operations"][0]["columns"][0].update(name="Ocupado_Por "), "surrounding spaces"),
        (lambda d: d["operations"][1].update(event_types=["tomar"]), "UPPER_SNAKE_CASE"),
        (lambda d: d.update(surprise=1), "Extra inputs are not permitted"),
        (lambda d: d.update(operations=[]), "at least 1"),
    ],
)
def test_invalid_specs_are_refused_with_the_reason(tmp_path: Path, mutate: object, message: str) -> None:
    data = v30_data()
    mutate(data)  # type: ignore[operator]
    path = tmp_path / "3.0.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(MigrationSpecError, match=message):
        load_migration(path)


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    path = tmp_path / "3.1.json"
    path.write_text(json.dumps(v30_data()), encoding="utf-8")
    with pytest.raises(MigrationSpecError, match="name it 3.0.json"):
        load_migration(path)


def test_migrations_load_in_version_order(tmp_path: Path) -> None:
    for version in ("10.0", "3.0", "3.1"):
        data = v30_data()
        data["id"] = version
        (tmp_path / f"{version}.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "baseline.json").write_text((MIGRATIONS_DIR / "baseline.json").read_text())
    assert [m.id for m in load_migrations(tmp_path)] == ["3.0", "3.1", "10.0"]
    assert load_baseline(tmp_path).version == "2.1"


def test_generated_bridge_files_are_current() -> None:
    # Migrations.js carries the specs to the menu; Contract.js the contract; BuildInfo.js the hash `doctor`
    # compares deployments with, and orchestrator/contract/bridge_build.py the same for the installed tool.
    for path, text in rendered_files().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `python3 tasks.py regen`"


@pytest.mark.parametrize(("field", "text", "refused"), [
    ("default", "x" * 50_000, False),
    ("default", "x" * 50_001, True),
    ("default", "😀" * 25_000, False),  # an emoji is two characters, as the bridge's String.length counts
    ("default", "😀" * 25_000 + "x", True),
    ("name", "N" * 50_001, True),
])
def test_a_cell_over_50000_characters_is_refused_naming_the_column(
        tmp_path: Path, field: str, text: str, refused: bool) -> None:
    data = v30_data()
    data["operations"][0]["columns"][0][field] = text  # type: ignore[index]
    path = tmp_path / "3.0.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    if not refused:
        assert load_migration(path).operations[0].columns[0].default == text  # type: ignore[union-attr]
        return
    with pytest.raises(MigrationSpecError) as info:
        load_migration(path)
    shown = "Ocupado_Por" if field == "default" else "N" * 40 + "…"
    for words in (str(path), f"the {field} of column '{shown}'", "over Google's limit of 50,000 per cell",
                  "shorten it"):
        assert words in str(info.value), str(info.value)[:500]


# 3.0 is applied in production with this checksum in its history row: any change to the file or to how the
# checksum is computed (key order, separators, ensure_ascii) makes every applied sheet refuse with CHECKSUM.
V30_CHECKSUM = "sha256:9e8f1dfaa607e09a7c0ff4ffbdb57899c48b4e62b01673181fd33aee045b70ce"


def test_the_checksum_of_30_is_pinned() -> None:
    assert next(m for m in load_migrations() if m.id == "3.0").checksum == V30_CHECKSUM


def test_the_canonical_json_keeps_non_ascii_text_as_utf8() -> None:
    """A later migration may name `Fecha_Ocupación`: its checksum is over the UTF-8 text, as the bridge's is
    (Migrations.js carries the same checksum), not over `\\u00f3` escapes."""
    data = {"b": "Ocupación", "a": [1, {"d": None, "c": "ñ"}]}
    assert canonical_json(data) == '{"a":[1,{"c":"ñ","d":null}],"b":"Ocupación"}'
    assert checksum_of(data) == "sha256:" + hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def test_added_columns_are_those_of_the_sheet_asked_for() -> None:
    data = v30_data()
    operations = data["operations"]
    assert isinstance(operations, list)
    operations.append({"kind": "add_columns", "sheet": "Metadata", "key_column": "id",
                       "columns": [{"name": "nota"}]})
    migration = Migration.model_validate(data)
    assert [c.name for c in migration.added_columns("Operaciones")] == ["Ocupado_Por", "Fecha_Ocupacion", "version"]
    assert [c.name for c in migration.added_columns("Metadata")] == ["nota"]
    assert migration.added_columns("Otra") == []
