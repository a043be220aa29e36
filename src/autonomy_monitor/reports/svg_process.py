"""vl-convert in a child process: charts drawn beside the briefing's queries.

Light on purpose (no Polars, no API): ``reports.build_report`` starts the child before it imports
the rest, so the child's start overlaps them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

#: The child process that draws charts: one JSON line in (spec, locale), one JSON line out.
SVG_PROCESS_SCRIPT = """
import json, sys
import vl_convert as vlc
vlc.register_font_directory(sys.argv[1])
for line in sys.stdin:
    job = json.loads(line)
    try:
        out = {"svg": vlc.vegalite_to_svg(job["spec"], format_locale=job["locale"],
               time_format_locale=job["locale"], allowed_base_urls=[])}
    except Exception as exc:
        out = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(out) + "\\n")
    sys.stdout.flush()
"""


class SvgProcess:
    """vl-convert in a child process, with the vendored fonts, drawing one spec at a time.

    vl-convert's first drawing in a process starts its JavaScript engine and holds the GIL for
    about half a second; in a child process that start runs beside the briefing's queries instead
    of stopping them. The same vl-convert and fonts draw the same SVG as in this process (the spec
    crosses as JSON, which keeps every value). ``svg`` returns None when the child cannot draw
    (it could not start, or the spec failed), and the caller draws in this process instead, so
    errors read as they always have.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self._process = subprocess.Popen(
                # -P: the working folder is not put on the child's path (no module there
                # shadows json or vl_convert)
                [sys.executable, "-P", "-c", SVG_PROCESS_SCRIPT, str(fonts_folder())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._process = None

    def svg(self, spec: dict[str, Any], locale: str) -> str | None:
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            return None
        try:
            process.stdin.write(json.dumps({"spec": spec, "locale": locale}).encode() + b"\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline() or b"{}")
        except (OSError, ValueError):
            self.close()
            return None
        return answer.get("svg")

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=10)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


def fonts_folder() -> Path:
    """The vendored fonts (the same folder ``render`` gives vl-convert and Typst)."""
    return Path(str(resources.files("autonomy_monitor.reports").joinpath("fonts")))
