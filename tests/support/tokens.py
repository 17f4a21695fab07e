"""An authorized-user file whose access token is valid for a day: google-auth uses it as it is and never
refreshes, so a unit test that mocks Google's HTTP sends a bearer token without any token endpoint."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

FAKE_TOKEN = "ya29.unit-test-token"


def token_file(path: Path, token_uri: str | None = None) -> Path:
    """`token_uri` on a loopback address makes it a token of this machine (as the emulator mints), which may go
    to a loopback endpoint; without one it is a Google token."""
    expiry = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "c.apps.googleusercontent.com",
                                "client_secret": "s", "refresh_token": "1//r", "token": FAKE_TOKEN,
                                "expiry": expiry, **({"token_uri": token_uri} if token_uri else {})}),
                    encoding="utf-8")
    return path
