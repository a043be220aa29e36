"""Benchmark: `autonomy serve` from start to first answer, and the first (cold) pages after it.

    uv run python benchmarks/web_first_request_bench.py [--runs 3] [--country KGZ]

Each run starts a fresh ``autonomy serve`` process and times (1) start to the first answer
of a static file (the baseline: what the server needs before any page, including the warm-up
it runs before it listens, ``web.app.warm_up_app``), (2) the first
``/country/{country}``, then ``/compare`` and ``/`` (each the first of its kind in that
process, so nothing is cached), (3) a second ``/country/{country}`` (warm, from the page
cache), and checks that HEAD answers like GET. Medians over ``--runs``, for the warehouse
named by AUTONOMY_WAREHOUSE and for the bundled snapshot. Goal (issue 15): first country page
<= 300 ms. Warm throughput under 32 clients is ``web_load_bench.py``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from startup_bench import compile_package  # benchmarks/ is the script's folder: on sys.path

RUN_ALL_ARGS = ["--runs", "3"]
AUTONOMY = str(Path(sys.executable).with_name("autonomy"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_run(env: dict[str, str], country: str) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        [AUTONOMY, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                httpx.get(base + "/static/style.css", timeout=1.0).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.perf_counter() - start > 120:
                    raise SystemExit("autonomy serve did not answer within 120 s") from None
                time.sleep(0.02)
        times = {"start to first answer (static file)": time.perf_counter() - start}
        with httpx.Client(base_url=base, timeout=120) as client:
            for label, path in (
                (f"first /country/{country}", f"/country/{country}"),
                ("first /compare", "/compare"),
                ("first /", "/"),
                (f"warm /country/{country}", f"/country/{country}"),
            ):
                began = time.perf_counter()
                response = client.get(path)
                times[label] = time.perf_counter() - began
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
            head, get = client.head(f"/country/{country}"), client.get(f"/country/{country}")
            if (
                head.status_code != get.status_code
                or head.content
                or head.headers.get("content-length") != str(len(get.content))
            ):
                raise SystemExit(
                    f"HEAD /country/{country} is not answered like GET ({head.status_code})"
                )
        return times
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--country", default="KGZ")
    args = parser.parse_args()
    warehouse = Path(
        os.environ.get(
            "AUTONOMY_WAREHOUSE", Path.home() / ".local/share/autonomy-monitor/warehouse.duckdb"
        )
    )
    stores = {
        "bundled snapshot": {**os.environ, "AUTONOMY_WAREHOUSE": "/nonexistent/warehouse.duckdb"}
    }
    if warehouse.is_file():
        stores = {"warehouse": {**os.environ, "AUTONOMY_WAREHOUSE": str(warehouse)}, **stores}
    else:
        print(f"No warehouse at {warehouse}: warehouse rows skipped.")
    print(f"bytecode of {compile_package()} compiled before timing (as an installed wheel has it)")
    print(f"medians of {args.runs} fresh server processes; HEAD checked against GET in every run\n")
    print("| store | measure | median ms | ratio to the static-file baseline | goal | load |")
    print("| --- | --- | ---: | ---: | --- | ---: |")
    for store, env in stores.items():
        runs = [one_run(env, args.country) for _ in range(args.runs)]
        medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        static = medians["start to first answer (static file)"]
        for label, seconds in medians.items():
            goal = ""
            if label == f"first /country/{args.country}":
                goal = "<= 300 ms " + (
                    "met" if seconds <= 0.3 else f"NOT met (+{(seconds - 0.3) * 1000:.0f} ms)"
                )
            ratio = "–" if label.startswith("start") else f"{seconds / static:.2f}"
            print(
                f"| {store} | {label} | {seconds * 1000:.0f} | "
                f"{ratio} | {goal} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
