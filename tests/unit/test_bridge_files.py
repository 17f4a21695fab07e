"""The deployment files: clasp pushes exactly the bridge, and the manifest asks for no more than it uses."""

import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BRIDGE = ROOT / "appsscript"


def test_clasp_pushes_exactly_the_bridge_files() -> None:
    clasp = ROOT / "node_modules" / ".bin" / "clasp"
    assert clasp.exists(), "run `python3 tasks.py setup` (npm packages missing)"
    node = shutil.which("node")
    assert node is not None
    # show-file-status works offline; it lists what `clasp push` would upload.
    out = subprocess.run([str(clasp), "show-file-status", "--json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    status = json.loads(out[out.index("{"):])
    expected = sorted(f"appsscript/{p.name}" for p in BRIDGE.iterdir() if p.suffix in (".js", ".json", ".html"))
    assert sorted(status["filesToPush"]) == expected
    assert "appsscript/Api.js" in expected and "appsscript/appsscript.json" in expected
    assert status["untrackedFiles"] == []


def test_clasp_config_points_at_the_bridge_with_a_placeholder_id() -> None:
    config = json.loads((ROOT / ".clasp.json").read_text())
    assert config["rootDir"] == "appsscript"
    assert config["scriptId"] == "REPLACE_WITH_YOUR_SCRIPT_ID"


def test_manifest_scopes_cover_what_the_code_uses_and_nothing_more() -> None:
    manifest = json.loads((BRIDGE / "appsscript.json").read_text())
    assert manifest["runtimeVersion"] == "V8" and manifest["timeZone"] == "America/Santiago"
    assert manifest["executionApi"]["access"] in ("MYSELF", "DOMAIN")
    assert manifest["dependencies"]["enabledAdvancedServices"] == [
        {"userSymbol": "Sheets", "serviceId": "sheets", "version": "v4"}]
    code = "\n".join(p.read_text() for p in BRIDGE.glob("*.js"))
    needed = {"https://www.googleapis.com/auth/spreadsheets"}  # SpreadsheetApp, Sheets, Spreadsheet.copy
    if re.search(r"\bgetUi\(", code):
        needed.add("https://www.googleapis.com/auth/script.container.ui")
    if re.search(r"\bget(Active|Effective)User\(", code):  # the history's `who`, the hold's author
        needed.add("https://www.googleapis.com/auth/userinfo.email")
    assert "DriveApp" not in code and "UrlFetchApp" not in code  # would need broader scopes
    assert set(manifest["oauthScopes"]) == needed
