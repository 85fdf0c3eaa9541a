"""The operator console: server-rendered pages over query_svc's use cases, mounted at /console."""

from query_svc.adapters.http.console.app import mount_console
from query_svc.adapters.http.console.context import ConsolePorts

__all__ = ["ConsolePorts", "mount_console"]
