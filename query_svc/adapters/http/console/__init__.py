"""The operator console: server-rendered pages over query_svc's use cases, mounted at /console."""

from query_svc.adapters.http.console.app import ConsolePorts, mount_console

__all__ = ["ConsolePorts", "mount_console"]
