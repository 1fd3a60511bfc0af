#!/usr/bin/env python3
"""Inventory API benchmark: list and search under concurrent load, on SQLite and PostgreSQL.

Seeds an installation with 10,000 AI systems and 50,000 models (written as an aims export
and loaded with `aims import`), starts `aims serve` (release build), and drives it with
wrk. Prints requests per second and p50/p99 latency per endpoint and engine, the HTTP floor
(/healthz) measured in the same run, and the time from start to the first ready answer.

Usage: bench/inventory.py [--systems N] [--models N] [--duration S] [--engines sqlite,postgres]
Needs: wrk (apt-get install wrk); for PostgreSQL the server binaries in /usr/lib/postgresql/15/bin.
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_BIN = os.environ.get("AIMS_PG_BIN", "/usr/lib/postgresql/15/bin")
TOKEN = "aims_benchmarktokenbenchmarktokenbenchmarktoken0"
STAGES = ["concept", "design", "development", "verification", "deployment", "operation", "retired"]
WORDS = ["person", "detector", "credit", "scoring", "assistant", "classifier", "forecast", "fraud", "triage",
         "router", "vision", "speech", "ranking", "pricing", "churn", "translation", "summariser", "camera"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def write_seed(path, systems, models):
    """An aims-export v1 file: one organisation, one admin with a known API token, records."""
    rng = random.Random(42)
    now = "2026-01-01T00:00:00.000000Z"
    org, user = uid(rng), uid(rng)
    meta = lambda rid: {"id": rid, "organisation_id": org, "revision": 1, "created_at": now, "updated_at": now,
                        "created_by": "bench", "updated_by": "bench"}
    with open(path, "w") as f:
        line = lambda table, row: f.write(json.dumps({"table": table, "row": row}) + "\n")
        f.write(json.dumps({"format": "aims-export", "version": 1, "exported_at": now, "aims_version": "bench",
                            "schema_version": 1, "source_engine": "sqlite"}) + "\n")
        line("organisations", {"id": org, "name": "Bench Org", "created_at": now})
        line("users", {"id": user, "username": "admin", "display_name": "Admin", "email": "",
                       "password_hash": "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0$invalidinvalid",
                       "password_changed_at": now, "created_at": now, "updated_at": now})
        line("memberships", {"organisation_id": org, "user_id": user, "role": "admin", "active": True,
                             "created_at": now, "updated_at": now})
        line("api_tokens", {"id": uid(rng), "token_hash": hashlib.sha256(TOKEN.encode()).hexdigest(), "name": "bench",
                            "user_id": user, "organisation_id": org, "created_at": now,
                            "expires_at": "2099-01-01T00:00:00.000000Z", "last_used_at": None, "revoked_at": None})
        system_ids = []
        for i in range(systems):
            rid = uid(rng)
            system_ids.append(rid)
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i:05d}"
            line("ai_systems", {**meta(rid), "name": name, "description": "Benchmark system " * 4,
                                "intended_purpose": "Benchmarking", "owner": f"Team {i % 40}", "ai_role": "developer",
                                "lifecycle_stage": STAGES[i % len(STAGES)], "deployment_context": "",
                                "affected_stakeholders": ["customers", "staff"], "human_oversight": "Reviewed",
                                "criticality": ["low", "medium", "high", "critical"][i % 4], "eu_ai_act_tier": "unassessed"})
        for i in range(models):
            line("models", {**meta(uid(rng)), "name": f"model-{rng.choice(WORDS)}-{i:06d}", "version": f"{i % 9}.{i % 7}.0",
                            "model_type": "classifier", "framework": "PyTorch", "system_id": system_ids[i % systems],
                            "supplier_id": None, "training_dataset_ids": [], "evaluation_dataset_ids": [],
                            "headline_metrics": {"auc": 0.8}})
    return system_ids[0]


class Postgres:
    """A throwaway cluster in a temp dir (run as the postgres user when we are root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="aims-bench-pg-")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        self.run([f"{PG_BIN}/initdb", "-D", data, "-U", "aims", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        self.run([f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"])
        self.data = data
        subprocess.run([f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "aims", "bench"], check=True)
        self.url = f"postgres://aims@127.0.0.1:{self.port}/bench"

    def run(self, cmd):
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        self.run([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


def serve(aims, url, workdir):
    """Starts aims serve; returns (process, base url, ms until /readyz answered)."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([aims, "serve", "--database", url, "--listen", f"127.0.0.1:{port}"], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "AIMS_LOG": "warn"})
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=1) as r:
                if r.status == 200:
                    return proc, base, (time.perf_counter() - started) * 1000
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"aims serve exited with {proc.returncode}")
            time.sleep(0.002)


def bare_sqlite_ms(path, repeats=300):
    """The same first page and total as bare SQL through Python's sqlite3: the floor any
    tool reading this database pays, to compare the API against."""
    import sqlite3
    db = sqlite3.connect(path)
    org = db.execute("SELECT id FROM organisations").fetchone()[0]
    started = time.perf_counter()
    for _ in range(repeats):
        rows = db.execute("SELECT * FROM ai_systems WHERE organisation_id = ? ORDER BY name, id LIMIT 50", (org,)).fetchall()
        total = db.execute("SELECT COUNT(*) FROM ai_systems WHERE organisation_id = ?", (org,)).fetchone()[0]
        assert len(rows) == 50 and total > 0
    return (time.perf_counter() - started) * 1000 / repeats


def wrk(url, duration, connections):
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-H", f"Authorization: Bearer {TOKEN}", url], capture_output=True, text=True, check=True).stdout
    def ms(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"{url}: {errors.group(1)} error responses")
    return rps, ms("50"), ms("99")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--models", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="4,16", help="concurrent connections, one run per value")
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "aims"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    aims = os.path.join(target, "release", "aims")
    work = tempfile.mkdtemp(prefix="aims-bench-")
    seed = os.path.join(work, "seed.jsonl")
    first_system = write_seed(seed, args.systems, args.models)
    endpoints = [
        ("floor: GET /healthz", "/healthz"),
        ("list systems, first page", "/api/v1/systems?limit=50"),
        ("list systems, page 100 by name", "/api/v1/systems?limit=50&offset=4950&sort=name"),
        ("list systems, filtered", "/api/v1/systems?limit=50&lifecycle_stage=operation&sort=updated_at&order=desc"),
        ("search systems by name", "/api/v1/systems?limit=50&q=detector"),
        ("list models of a system", f"/api/v1/models?limit=50&system_id={first_system}"),
        ("list models, first page", "/api/v1/models?limit=50"),
    ]
    levels = [int(c) for c in args.connections.split(",")]
    print(f"# Inventory benchmark: {args.systems:,} systems, {args.models:,} models; wrk -t2 -d{args.duration}s "
          f"at {', '.join(f'{c} connections' for c in levels)}, on {os.cpu_count()} cores (wrk shares them)\n")
    rows = []
    for engine in args.engines.split(","):
        pg = Postgres() if engine == "postgres" else None
        url = pg.url if pg else f"sqlite://{work}/bench.db"
        t = time.perf_counter()
        subprocess.run([aims, "import", seed, "--database", url], check=True, stderr=subprocess.DEVNULL)
        load_s = time.perf_counter() - t
        proc, base, _ = serve(aims, url, work)  # first start, to warm the file cache
        proc.terminate(); proc.wait()
        proc, base, ready_ms = serve(aims, url, work)
        try:
            blank = ["", "", ""] * len(levels)
            rows.append((engine, "start until /readyz answers (ms)", f"{ready_ms:.0f}", *blank[1:]))
            rows.append((engine, f"import of the seed ({args.systems + args.models:,} records, s)", f"{load_s:.1f}", *blank[1:]))
            if engine == "sqlite":
                bare = bare_sqlite_ms(f"{work}/bench.db")
                rps1, p50_1, _ = wrk(base + "/api/v1/systems?limit=50", args.duration, 1)
                rows.append((engine, "bare SQL (python sqlite3): first page + count, ms", f"{bare:.2f}", *blank[1:]))
                rows.append((engine, "API, one connection: first page p50 ms (ratio to bare SQL)", f"{p50_1:.2f} ({p50_1 / bare:.1f}x)", *blank[1:]))
            for label, path in endpoints:
                cells = []
                for connections in levels:
                    rps, p50, p99 = wrk(base + path, args.duration, connections)
                    cells += [f"{rps:,.0f}", f"{p50:.2f}", f"{p99:.2f}"]
                rows.append((engine, label, *cells))
        finally:
            proc.terminate(); proc.wait()
            if pg:
                pg.stop()
    print("| engine | measurement | " + " | ".join(f"req/s c={c} | p50 ms | p99 ms" for c in levels) + " |")
    print("|---|---|" + "---:|---:|---:|" * len(levels))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
