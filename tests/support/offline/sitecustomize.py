"""Loaded (through PYTHONPATH) by the `zeues-migrate` subprocesses of the credential tests, before anything
else: nothing may reach Google or the internet from a test.

- Name resolution answers only for local hosts: any other host fails at once, the way an offline machine
  fails, so a request meant for Google can never leave the machine.
- google-auth sends every authorized-user refresh to Google's fixed token endpoint (it ignores a file's
  `token_uri` on purpose); with TEST_GOOGLE_TOKEN_URI set, that endpoint is the test's local token server
  instead, which answers as Google does for an expired refresh token.
"""

from __future__ import annotations

import os
import socket
from typing import Any

_LOCAL = {"127.0.0.1", "localhost", "::1"}
_getaddrinfo = socket.getaddrinfo


def _local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name not in _LOCAL:
        raise socket.gaierror(socket.EAI_NONAME, f"offline test: {name} may not be resolved")
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _local_only

if os.environ.get("TEST_GOOGLE_TOKEN_URI"):
    import google.oauth2.credentials

    google.oauth2.credentials._GOOGLE_OAUTH2_TOKEN_ENDPOINT = os.environ["TEST_GOOGLE_TOKEN_URI"]
