"""Name resolution for local hosts only: any other host fails at once, the way an offline machine fails, so a
request meant for Google can never leave the machine. Used by `sitecustomize.py` (the CLI subprocesses of the
tests) and by suites that guard their own process (tests/conformance)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

LOCAL = frozenset({"127.0.0.1", "localhost", "::1"})


def local_only(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """`resolve` (socket.getaddrinfo) answering only for LOCAL names."""

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL:
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: {name} may not be resolved")
        return resolve(host, *args, **kwargs)

    return getaddrinfo
