r"""Scale benchmark: the product-level (HS6) build on DuckDB and on Spark local mode.

The input is SYNTHETIC: files in the CEPII BACI layout (``t,i,j,k,v,q``, one CSV per year,
``BACI_HS17_Y<year>_V000000.csv``) written by :func:`generate` to a folder under /tmp (never
the repo). Skew is realistic: exporters, importers and products are drawn from Zipf-like
distributions (popularity ∝ 1/rank^s, s = 1.1 for countries, 0.9 for products), so a few
large traders and common products dominate, as in real BACI; values are log-normal (thousands
of US$). Country codes are real BACI/M49 codes (CHN 156, RUS 643 included); ~5,000 HS6 codes.
Unlike real BACI a (t, i, j, k) cell may appear more than once; the build sums them.

Usage (from the repo root):

    uv run --extra spark python benchmarks/scale_bench.py generate --rows 10000000 \
        --out /tmp/baci_10m
    uv run --extra spark python benchmarks/scale_bench.py run --dir /tmp/baci_10m \
        --engines duckdb,spark

``run`` times each engine in a fresh child process (same input, same run) and samples the peak
resident memory of the child and its descendants (the Spark JVM included) from /proc. DuckDB
runs with ``memory_limit`` (default 4GB) and a spill ``temp_directory`` under /tmp; Spark with
``local[2]`` and a 6 GB driver. Results are written as Parquet to /tmp, not collected.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl

RUN_ALL_SKIP = (
    "two steps (generate synthetic BACI files, "
    "then run) and Spark/Java: see its docstring"
)  # benchmarks/run_all.py

YEARS = 10
FIRST_YEAR = 2013
N_PRODUCTS = 5000


def zipf_weights(n: int, s: float, rng: np.random.Generator) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** s
    rng.shuffle(weights)
    return weights / weights.sum()


def generate(rows: int, out: Path, seed: int = 8) -> None:
    """Write ``rows`` synthetic BACI rows over YEARS yearly files into ``out``."""
    from autonomy_monitor.sources.baci import bulk

    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    codes = bulk.baci_code_map(out).filter(pl.col("code") < 900)["code"].to_numpy()
    country_w = zipf_weights(len(codes), 1.1, rng)
    # make China the largest exporter, Russia among the top ten (as in real data)
    order = np.argsort(-country_w)
    for code, rank in ((156, 0), (643, 7)):
        where = int(np.where(codes == code)[0][0])
        country_w[[where, order[rank]]] = country_w[[order[rank], where]]
    products = np.array(sorted(rng.choice(np.arange(10100, 970000), N_PRODUCTS, replace=False)))
    product_w = zipf_weights(N_PRODUCTS, 0.9, rng)
    per_year = rows // YEARS
    chunk = 2_000_000
    for y in range(YEARS):
        year = FIRST_YEAR + y
        path = out / f"BACI_HS17_Y{year}_V000000.csv"
        with path.open("wb") as handle:
            left, first = per_year, True
            while left > 0:
                n = min(chunk, left)
                i = rng.choice(codes, n, p=country_w)
                j = rng.choice(codes, n, p=country_w)
                j = np.where(i == j, codes[(np.searchsorted(codes, j) + 1) % len(codes)], j)
                frame = pl.DataFrame(
                    {
                        "t": np.full(n, year, dtype=np.int32),
                        "i": i.astype(np.int32),
                        "j": j.astype(np.int32),
                        "k": pl.Series(rng.choice(products, n, p=product_w))
                        .cast(pl.String)
                        .str.zfill(6),
                        "v": np.round(rng.lognormal(3.0, 2.0, n), 3),
                        "q": np.round(rng.lognormal(1.0, 2.0, n), 3),
                    }
                )
                frame.write_csv(handle, include_header=first)
                first, left = False, left - n
    meta = {
        "rows": per_year * YEARS,
        "files": YEARS,
        "folder": str(out),
        "synthetic": True,
        "seed": seed,
    }
    (out / "synthetic.json").write_text(json.dumps(meta))
    print(json.dumps(meta))


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_one(engine: str, folder: Path, out: Path, memory_limit: str) -> dict[str, object]:
    """Child-process body: build the product tables on one engine, print timings as JSON."""
    from autonomy_monitor.compute import get_engine
    from autonomy_monitor.pipeline.steps import products_step

    start = time.perf_counter()
    if engine == "duckdb":
        spill = Path("/tmp/scale_bench_spill")
        spill.mkdir(exist_ok=True)
        eng = get_engine("duckdb", memory_limit=memory_limit, temp_directory=spill)
    else:
        eng = get_engine(
            "spark",
            "local[2]",
            config={
                "spark.driver.memory": "6g",
                "spark.sql.shuffle.partitions": "16",
                "spark.local.dir": "/tmp/scale_bench_spark",
            },
        )
    started = time.perf_counter()
    products_step.build_products(eng, folder, out_dir=out / engine)
    done = time.perf_counter()
    eng.close()
    return {
        "engine": engine,
        "startup_s": round(started - start, 1),
        "build_s": round(done - started, 1),
    }


def run(folder: Path, engines: list[str], memory_limit: str) -> list[dict[str, object]]:
    out = Path("/tmp/scale_bench_out")
    rows = json.loads((folder / "synthetic.json").read_text())["rows"]
    results = []
    for engine in engines:
        command = [
            sys.executable,
            __file__,
            "child",
            "--engine",
            engine,
            "--dir",
            str(folder),
            "--memory-limit",
            memory_limit,
        ]
        begin = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        peak = [0]

        def sample(child=child, peak=peak) -> None:
            while child.poll() is None:
                peak[0] = max(peak[0], tree_rss(child.pid))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample)
        sampler.start()
        stdout, _ = child.communicate()
        sampler.join()
        wall = time.perf_counter() - begin
        if child.returncode != 0:
            failed = {
                "engine": engine,
                "failed_returncode": child.returncode,
                "wall_s": round(wall, 1),
                "peak_rss_gb": round(peak[0] / 1e9, 2),
            }
            results.append(failed)
            print(json.dumps(failed), flush=True)
            continue
        result = json.loads(stdout.strip().splitlines()[-1])
        flags = pl.scan_parquet(
            str(out / engine / "out_products__strategic_dependence.parquet")
            + ("/*.parquet" if engine == "spark" else "")
        )
        result.update(
            rows=rows,
            wall_s=round(wall, 1),
            peak_rss_gb=round(peak[0] / 1e9, 2),
            out_rows=flags.select(pl.len()).collect().item(),
            strategic_rows=flags.filter(pl.col("strategic")).select(pl.len()).collect().item(),
        )
        results.append(result)
        print(json.dumps(result), flush=True)
    if len(results) == 2 and all("build_s" in r for r in results):
        print(
            json.dumps(
                {"spark_over_duckdb_wall": round(results[1]["wall_s"] / results[0]["wall_s"], 2)}
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--rows", type=int, required=True)
    g.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("run")
    r.add_argument("--dir", type=Path, required=True)
    r.add_argument("--engines", default="duckdb,spark")
    r.add_argument("--memory-limit", default="4GB")
    c = sub.add_parser("child")
    c.add_argument("--engine", required=True)
    c.add_argument("--dir", type=Path, required=True)
    c.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()
    if args.command == "generate":
        if not str(args.out.resolve()).startswith("/tmp/"):
            parser.error("--out must be under /tmp (synthetic data never goes into the repo)")
        generate(args.rows, args.out)
    elif args.command == "run":
        run(args.dir, args.engines.split(","), args.memory_limit)
    else:
        print(
            json.dumps(
                run_one(args.engine, args.dir, Path("/tmp/scale_bench_out"), args.memory_limit)
            )
        )


if __name__ == "__main__":
    main()
