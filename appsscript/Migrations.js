// @ts-check
// GENERATED from orchestrator/migrations/*.json by `python3 tasks.py regen`. Do not edit:
// a test fails when this file differs from the specs.

/** @type {MigrationSet} */
var ZEUES_MIGRATIONS = {
  "baseline": {
    "version": "2.1",
    "description": "ZEUES v2.1 as found in production: the schema every migration here builds on",
    "event_type_sheet": "Metadata",
    "event_type_column": "evento_tipo",
    "event_types": [
      "INICIAR_ARM",
      "COMPLETAR_ARM",
      "CANCELAR_ARM",
      "INICIAR_SOLD",
      "COMPLETAR_SOLD",
      "CANCELAR_SOLD",
      "INICIAR_METROLOGIA",
      "COMPLETAR_METROLOGIA",
      "CANCELAR_METROLOGIA"
    ]
  },
  "migrations": [
    {
      "checksum": "sha256:9e8f1dfaa607e09a7c0ff4ffbdb57899c48b4e62b01673181fd33aee045b70ce",
      "id": "3.0",
      "description": "Real-time occupation tracking: who holds which spool right now (Ocupado_Por, Fecha_Ocupacion, an optimistic-lock version) and the TOMAR_SPOOL / PAUSAR_SPOOL events",
      "operations": [
        {
          "kind": "add_columns",
          "sheet": "Operaciones",
          "key_column": "TAG_SPOOL",
          "columns": [
            {
              "name": "Ocupado_Por",
              "default": null,
              "default_on": "key_rows",
              "number_format": {
                "type": "TEXT",
                "pattern": null
              }
            },
            {
              "name": "Fecha_Ocupacion",
              "default": null,
              "default_on": "key_rows",
              "number_format": {
                "type": "DATE_TIME",
                "pattern": "dd-mm-yyyy hh:mm:ss"
              }
            },
            {
              "name": "version",
              "default": 0,
              "default_on": "key_rows",
              "number_format": {
                "type": "NUMBER",
                "pattern": "0"
              }
            }
          ]
        },
        {
          "kind": "register_event_types",
          "sheet": "Metadata",
          "column": "evento_tipo",
          "event_types": [
            "TOMAR_SPOOL",
            "PAUSAR_SPOOL"
          ]
        }
      ]
    }
  ]
};
