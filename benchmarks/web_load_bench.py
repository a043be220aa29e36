"""Load benchmark: the country page and its data endpoints under 32 concurrent clients.

    uv run python benchmarks/web_load_bench.py [--country KGZ] [--clients 32] [--seconds 30]

Starts ``uvicorn`` (one worker, the same app ``autonomy serve`` runs) in a separate process on
127.0.0.1, warms the pages up once, then drives it with ``--clients`` concurrent httpx async
clients on loopback for ``--seconds`` each in two phases:

1. baseline: a static file (``/static/style.css``), the cheapest thing the server can answer;
2. project: the country page and its data endpoints (the chart specs and the page's JSON),
   in rotation.

Prints requests, throughput, p50/p95/p99 latency and errors per phase, and the ratio of the
project's p95 to the baseline's. The goal is p95 ≤ 50 ms with no errors. Reads the warehouse
named by AUTONOMY_WAREHOUSE, or the bundled snapshot.

Drivers (``--driver``): ``wrk`` (Debian package ``wrk``, C, one thread, 32 connections; the
default when installed) or ``httpx`` (Python async clients). On a 2-core machine the Python
clients use most of the CPU themselves, so with ``httpx`` the latencies mostly measure the
load generator queueing (Little's law: 32 clients / throughput), even for a static file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import numpy as np

RUN_ALL_ARGS = ["--seconds", "15"]  # benchmarks/run_all.py: shorter phases, both stores
RUN_ALL_STORES = ("warehouse", "snapshot")

CHARTS = ("trade", "remittances", "migration", "aid", "alignment", "idealpoints", "keyvotes")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "autonomy_monitor.web:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/style.css", timeout=1.0)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("uvicorn did not start within 60 s")


def country_paths(base: str, country: str) -> list[str]:
    """The country page and the endpoints it loads, keeping only those that answer 200."""
    paths = [
        f"/country/{country}",
        f"/data/country/{country}.json",
        *[f"/charts/country/{country}/{chart}.json?lang=en" for chart in CHARTS],
    ]
    with httpx.Client(base_url=base, timeout=300) as client:
        return [path for path in paths if client.get(path).status_code == 200]


async def run_phase(
    base: str, paths: list[str], clients: int, seconds: float
) -> tuple[np.ndarray, int, float]:
    """Each client requests the paths in rotation until time is up; returns latencies (s), errors,
    elapsed."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client_loop(offset: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        k = offset
        while time.perf_counter() < stop:
            path = paths[k % len(paths)]
            k += 1
            start = time.perf_counter()
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        await asyncio.gather(*[client_loop(i, client) for i in range(clients)])
    return np.array(latencies), errors, time.perf_counter() - began


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %%d %%f %%f %%f %%f %%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def run_wrk(
    base: str, paths: list[str], clients: int, seconds: float, *, show: bool = True
) -> float:
    """One wrk phase over ``paths`` in rotation; prints the line and returns p95 in ms."""
    import tempfile

    listed = ", ".join(f'"{p}"' for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT % listed)
    command = [
        "wrk",
        "-t1",
        f"-c{clients}",
        f"-d{int(seconds)}s",
        "--timeout",
        "10s",
        "-s",
        handle.name,
        base,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    requests, duration, p50, p95, p99, errors = line.split()[1:]
    label = (
        "baseline: static file /static/style.css"
        if paths == ["/static/style.css"]
        else "project: country page + data endpoints"
    )
    if show:
        print(
            f"{label:<44} requests {int(requests):>7}  "
            f"{int(requests) / float(duration):>7.0f} req/s  p50 {float(p50):6.1f} "
            f"ms  p95 {float(p95):6.1f} ms  p99 {float(p99):6.1f} ms  errors {errors}"
        )
    return float(p95) if int(errors) == 0 else float("inf")


def report(label: str, latencies: np.ndarray, errors: int, elapsed: float) -> float:
    p50, p95, p99 = (np.percentile(latencies, q) * 1000 for q in (50, 95, 99))
    print(
        f"{label:<44} requests {len(latencies):>7}  {len(latencies) / elapsed:>7.0f} req/s  "
        f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  errors {errors}"
    )
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="KGZ")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--driver", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx"
    )
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        paths = country_paths(base, args.country)
        print(
            f"server: uvicorn, 1 worker, {base}; store: "
            f"{os.environ.get('AUTONOMY_WAREHOUSE', 'default (warehouse or bundled snapshot)')}"
        )
        print(
            f"{args.clients} concurrent clients ({args.driver}), "
            f"{args.seconds:.0f} s per phase; project paths: {', '.join(paths)}"
        )
        if args.driver == "wrk":
            run_wrk(base, paths, args.clients, 5, show=False)  # warm-up
            base_p95 = run_wrk(base, ["/static/style.css"], args.clients, args.seconds)
            p95 = run_wrk(base, paths, args.clients, args.seconds)
            print(
                f"ratio p95 project / baseline: {p95 / base_p95:.2f}; goal p95 "
                f"<= 50 ms and no errors: {'met' if p95 <= 50 else 'NOT met'}"
            )
            return
        base_lat, base_err, base_time = asyncio.run(
            run_phase(base, ["/static/style.css"], args.clients, args.seconds)
        )
        base_p95 = report("baseline: static file /static/style.css", base_lat, base_err, base_time)
        lat, err, elapsed = asyncio.run(run_phase(base, paths, args.clients, args.seconds))
        p95 = report(f"project: /country/{args.country} + data endpoints", lat, err, elapsed)
        print(
            f"ratio p95 project / baseline: {p95 / base_p95:.2f}; goal p95 <= 50 ms and no errors: "
            f"{'met' if p95 <= 50 and err == 0 else 'NOT met'}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
