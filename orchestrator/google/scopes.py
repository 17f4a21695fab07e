"""The OAuth scopes the orchestrator's token must carry.

`scripts.run` requires a token that covers *every* scope the script's manifest declares, not only the ones
the called function uses (developers.google.com/apps-script/api/how-tos/execute, "Requirements"). So the
token needs the bridge's `appsscript.json` `oauthScopes` (as `regen` builds them into the package, so an
installed tool needs no `appsscript/`; the menu's `script.container.ui` is among them) plus what the
orchestrator itself reads: the spreadsheets (the verifier, through the Sheets API) and Drive read-only
(listing backups).
"""

from __future__ import annotations

from orchestrator.contract.bridge_build import MANIFEST_SCOPES

SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
SCRIPT_CONTAINER_UI = "https://www.googleapis.com/auth/script.container.ui"
DRIVE_READONLY = "https://www.googleapis.com/auth/drive.readonly"
# The bridge records who acted (history `who`, the hold's author) with Session.getActiveUser(), which needs
# this non-sensitive scope (docs/bridge.md, "Who acted").
USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email"

BRIDGE_MANIFEST_SCOPES: tuple[str, ...] = MANIFEST_SCOPES
REQUIRED_SCOPES: tuple[str, ...] = (*BRIDGE_MANIFEST_SCOPES, DRIVE_READONLY)
# What `zeues-migrate login` asks Google for: these and nothing else (no `cloud-platform`, no `openid`), so the
# token can do no more than the tool does.
LOGIN_SCOPES: tuple[str, ...] = REQUIRED_SCOPES
