"""The preview's address: parsed, and checked free before anything starts."""

from __future__ import annotations

import socket

from build_tools.model.errors import UsageError


class ServeError(UsageError):
    """The preview cannot start as asked (an address in use, a missing mkdocs.yml…)."""


def parse_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ServeError(f"--addr must look like 127.0.0.1:8000, not {addr!r}")
    return host.strip("[]"), int(port)


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServeError(
                f"cannot serve on {host}:{port}: {error.strerror or error} "
                f"(another preview running? pick another port: --addr {host}:{port + 1}, "
                f"or make serve HOST={host}:{port + 1})"
            ) from error
