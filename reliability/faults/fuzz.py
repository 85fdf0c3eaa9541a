"""schemathesis against each service's OpenAPI document with a valid key, while records stream."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from reliability.faults.base import Fault, FaultContext

SERVICES = ("INGESTION_PORT", "VALIDATION_PORT", "PROCESSING_PORT", "QUERY_PORT")
# Operations that start long admin jobs are left out: fuzzing them tests patience, not input handling.
_EXCLUDED = ".*(rebuild|redrive).*"
CHECKS = "not_a_server_error,response_schema_conformance,negative_data_rejection"


class Fuzz(Fault):
    """No 5xx, responses that match their schemas, and invalid data refused, for every operation."""

    name = "schemathesis fuzzing"
    what = f"schemathesis ({CHECKS}) on every service's /openapi.json with an admin key"

    async def inject(self, ctx: FaultContext) -> None:
        out_dir = ctx.stack.run_dir / "reliability"
        out_dir.mkdir(parents=True, exist_ok=True)
        for port in SERVICES:
            await self._fuzz(ctx, port, out_dir / f"fuzz-{port.split('_')[0].lower()}.txt")

    async def _fuzz(self, ctx: FaultContext, port: str, report: Path) -> None:
        st = Path(sys.executable).with_name("st")
        process = await asyncio.create_subprocess_exec(
            str(st),
            "run",
            f"{ctx.stack.url(port)}/openapi.json",
            "-H",
            f"Authorization: Bearer {ctx.stack.admin_key}",
            "--checks",
            CHECKS,
            "--exclude-path-regex",
            _EXCLUDED,
            "--max-examples",
            str(ctx.profile.fuzz_examples),
            "--max-time",
            str(ctx.profile.fuzz_seconds),
            "--workers",
            "2",
            "--generation-database",
            "none",
            "--no-color",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=report.parent,  # schemathesis keeps its state in ./.schemathesis
        )
        output, _ = await process.communicate()
        text = output.decode(errors="replace")
        report.write_text(text)
        cases = re.search(r"(\d+) generated", text)
        ctx.notes.append(
            f"{port.split('_', maxsplit=1)[0].lower()}: {cases.group(1) if cases else '?'} cases"
        )
        if process.returncode != 0:
            failures = [
                line.strip() for line in text.splitlines() if line.strip().startswith(("❌ ST", "_ ", "- "))
            ]
            ctx.violations.append(f"schemathesis failed on {port}: {'; '.join(failures[:6])} (see {report})")
