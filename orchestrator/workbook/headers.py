"""The v2.1 `Operaciones` header as production had it (the 64-column staging list of zeues-sheet.md).

Fixture data only: the tool itself never relies on a position from here.
"""

OPERACIONES_V21_HEADER: tuple[str, ...] = (
    "id", "NV", "OT", "CT", "ITEM", "SPLIT", "TAG_SPOOL", "STATUS_NV", "Status_Spool", "Ubicación", "Cliente",
    "OC", "Item_OC", "PLANO_KRONOS N°", "Rev.", "Plano_Referencia", "Marca_Placa", "Prioridad", "Notas",
    "Fecha_Compromiso", "Fecha_Estimada_Entrega", "DIAM", "PD_Soldadura", "PD_Ranurado", "PD_Hilo", "Peso_Kg",
    "Area_m2", "Tipo Armado", "Tipo_NDT", "Tipo_PH", "Tipo_Revestimiento", "Tipo_Pintura", "Tipo_Embalaje",
    "Fecha_Ingenieria", "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura", "Soldador",
    "Fecha_QC_Metrología", "Fecha_NDT", "OK NDT si/no/Rep", "N°_nforme_PT", "N°_Informe_UT_ RX", "Fecha_PH",
    "N°_Informe_PH", "Fecha_Revestimiento", "Fecha_QC_Revestimiento", "Fecha_Envio_Pintura", "GD_envio_Pintura",
    "Fecha_Pintura", "Taller_Pintura", "Informe_Pintura", "Fecha_QC_Pintura", "Fecha_Liberación",
    "N°_Acta_Libración", "Packing_list", "Fecha_GD", "Guia_Despacho", "Precio Fabricación", "Precio Revestimiento",
    "Precio Pintura", "Precio Embalaje", "Precio Total",
)

METADATA_HEADER: tuple[str, ...] = (
    "id", "timestamp", "evento_tipo", "tag_spool", "worker_id", "worker_nombre", "operacion", "accion",
    "fecha_operacion", "metadata_json",
)

TRABAJADORES_HEADER: tuple[str, ...] = ("Id", "Nombre", "Apellido", "Activo")
# One Roles row per worker and role: `Id` is the worker's Trabajadores id, `Rol` one of ROLES (the v2.1 backend
# refuses a METROLOGIA action by a worker without a `Metrologia` row).
ROLES_HEADER: tuple[str, ...] = ("Id", "Rol", "Activo")
ROLES: tuple[str, ...] = ("Armador", "Soldador", "Ayudante", "Metrologia", "Revestimiento", "Pintura", "Despacho")

# The human-inserted column of the `inserted-column` variant, and where a human put it.
INSERTED_COLUMN = "Comentario_Bodega"
INSERTED_AFTER = "Ubicación"

# Production has 10 worksheets; the backend reads four of them.
OTHER_SHEETS: tuple[str, ...] = ("Resumen", "Clientes", "Ubicaciones", "Config", "Reportes", "Instrucciones")
