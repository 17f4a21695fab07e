"""Loaded (through PYTHONPATH) by the `zeues-migrate` subprocesses of the tests, before anything else: nothing
may reach Google or the internet from a test.

- Name resolution answers only for local hosts: any other host fails at once, the way an offline machine
  fails, so a request meant for Google can never leave the machine.
- google-auth sends every authorized-user refresh to Google's fixed token endpoint (it ignores a file's
  `token_uri` on purpose); with TEST_GOOGLE_TOKEN_URI set, that endpoint is the test's local token server
  instead, which answers as Google does for an expired refresh token.
- ZEUES_FAILPOINTS (`after:backup,before:apply`) arms the failpoints of orchestrator/engine/failpoints.py, in
  this process. This file is the only place that reads the variable: it is not in the wheel, so the installed
  tool ignores it.
- ZEUES_TEST_READ_ROWS (a number) caps the rows of every read range (orchestrator/google/sheets.py `cap_rows`),
  so that a test's small workbook is read in several requests, as a large one is. Read here only, like the above.
"""

from __future__ import annotations

import os
import socket

from local_only import local_only  # this folder is on PYTHONPATH

socket.getaddrinfo = local_only(socket.getaddrinfo)

if os.environ.get("TEST_GOOGLE_TOKEN_URI"):
    import google.oauth2.credentials

    google.oauth2.credentials._GOOGLE_OAUTH2_TOKEN_ENDPOINT = os.environ["TEST_GOOGLE_TOKEN_URI"]

if os.environ.get("ZEUES_FAILPOINTS", "").strip():
    from orchestrator.engine import failpoints

    failpoints.arm(os.environ["ZEUES_FAILPOINTS"].split(","))

if os.environ.get("ZEUES_TEST_READ_ROWS", "").strip():
    from orchestrator.google import sheets

    sheets.cap_rows(int(os.environ["ZEUES_TEST_READ_ROWS"]))
