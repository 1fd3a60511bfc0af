#!/usr/bin/env python3
"""Ledger benchmark: decision events in through the HTTP API, and `aims verify` over the log.

For each engine: starts `aims serve` (release build) on a fresh installation with one AI
system and drives POST /api/v1/systems/{id}/decisions with wrk, 1,000 events per request,
so every event goes through parsing, canonical JSON, SHA-256, the hash chain, the Merkle
tree and a durable commit. In the same run, for SQLite, the same rows — as many as aims
stored, so that both tables end the same size — go into a table of the same shape without
any ledger work through Python's sqlite3 (batched inserts, one transaction per 1,000 rows,
same durability settings): what a tool without a ledger pays.
Then `aims verify` re-checks every entry, timed, beside the machine's raw SHA-256 rate.

Usage: bench/ledger.py [--duration S] [--connections N] [--engines sqlite,postgres]
                       [--verify-events N]
Needs: wrk; for PostgreSQL the server binaries in /usr/lib/postgresql/15/bin.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inventory  # noqa: E402  (shared helpers: seed file, PostgreSQL cluster, serve)

ROOT = inventory.ROOT
BATCH = 1_000


def events_body(batch):
    """One request body's template: `batch` events without ids (the server assigns them),
    with the fields a production system sends. `@T@` stands for the date and hour, which
    each request fills in with a later hour than the last, so events arrive in time order
    as they do from a running system."""
    events = []
    for i in range(batch):
        events.append({
            "time": f"@T@:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "model_version": "people-det-yolo-ft 3.2.0",
            "decision": i % 3 != 0,
            "score": round((i * 7919 % 1000) / 1000, 3),
            "groups": {"skin_tone": ["I-II", "III-IV", "V-VI"][i % 3], "clothing": ["light", "dark"][i % 2]},
            "input_ref": f"cam-entrance-2/frame/{1_000_000 + i}",
        })
    return json.dumps(events)


def hour(n):
    """The `@T@` of the n-th request: n hours after 2020-01-01T00."""
    return time.strftime("%Y-%m-%dT%H", time.gmtime(1_577_836_800 + n * 3600))


def wrk_post(url, body_path, duration, connections, token, run=0):
    # Each wrk thread of each run counts its own hours, far apart from the others'.
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f"""
local f = io.open("{body_path}", "rb")
local template = f:read("*all")
f:close()
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("first_hour", {run} * 50000 + threads * 20000)
end
local n = 0
function request()
  n = n + 1
  local t = os.date("!%Y-%m-%dT%H", 1577836800 + (first_hour + n) * 3600)
  return wrk.format("POST", nil, headers, (string.gsub(template, "@T@", t)))
end
""")
    script.close()
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-s", script.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"{url}: {errors.group(1)} error responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    value, unit = float(p99.group(1)), p99.group(2)
    p99_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return rps * BATCH, p99_ms


def time_ordered_id(n):
    """A UUIDv7-shaped id: what the server assigns, time-ordered."""
    return str(uuid.UUID(int=(n << 80) | (0x7 << 76) | (0x2 << 62) | uuid.uuid4().int & ((1 << 62) - 1)))


def plain_sqlite_eps(path, events, system_id, org_id, total):
    """`total` rows (as many as aims stored in its run, so that both tables end the same
    size), batched, into a table of the same shape and indexes, no ledger."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("""CREATE TABLE decisions (system_id TEXT NOT NULL, seq BIGINT NOT NULL, organisation_id TEXT NOT NULL,
                  action TEXT NOT NULL, event_id TEXT NOT NULL, occurred_at TIMESTAMP NOT NULL,
                  recorded_at TIMESTAMP NOT NULL, actor TEXT NOT NULL, state TEXT NOT NULL,
                  PRIMARY KEY (system_id, seq)) WITHOUT ROWID""")
    db.execute("CREATE INDEX decisions_event ON decisions (system_id, event_id)")
    db.execute("CREATE INDEX decisions_time ON decisions (system_id, occurred_at)")
    parsed = json.loads(events)
    elapsed = 0.0
    seq = 0
    for n in range(max(1, total // len(parsed))):
        rows = []
        for event in parsed:
            seq += 1
            event_id = time_ordered_id(seq)
            event = {**event, "time": event["time"].replace("@T@", hour(n)), "id": event_id}
            rows.append((system_id, seq, org_id, "create", event_id, event["time"], "2026-11-23T10:00:00Z",
                         "bench", json.dumps(event, sort_keys=True)))
        # Only the inserts are timed: building rows is the caller's work in either case.
        started = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?)", rows)
        db.execute("COMMIT")
        elapsed += time.perf_counter() - started
    db.close()
    return seq / elapsed, seq


def sha256_rates():
    """Raw SHA-256 on this machine: bulk MB/s and hashes/s of 256-byte messages."""
    block = os.urandom(64 * 1024 * 1024)
    started = time.perf_counter()
    hashlib.sha256(block).digest()
    mbps = 64 / (time.perf_counter() - started)
    small = [os.urandom(256) for _ in range(1000)]
    started = time.perf_counter()
    for _ in range(200):
        for m in small:
            hashlib.sha256(m).digest()
    per_s = 200_000 / (time.perf_counter() - started)
    return mbps, per_s


PASSWORD = "ledger benchmark password"


def setup(base):
    """Signs in as the admin `aims init` made, creates an API token and an AI system the
    way a user would, so every record has its ledger entry. Returns (token, system id)."""
    import http.cookiejar
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(path, body, headers=None):
        request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        with opener.open(request) as r:
            return json.load(r)

    session = call("/api/v1/session", {"username": "admin", "password": PASSWORD})
    token = call("/api/v1/tokens", {"name": "bench"}, {"X-CSRF-Token": session["csrf_token"]})["token"]
    system = call("/api/v1/systems", {"name": "Benchmark detector"}, {"Authorization": f"Bearer {token}"})
    return token, system["id"]


def count(base, sid, token):
    request = urllib.request.Request(f"{base}/api/v1/systems/{sid}/decisions?limit=1",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as r:
        return json.load(r)["total"]


def verify(aims, url, workdir):
    started = time.perf_counter()
    out = subprocess.run([aims, "verify", "--database", url, "--format", "json"], cwd=workdir,
                         capture_output=True, text=True, env={**os.environ, "AIMS_LOG": "warn"})
    elapsed = time.perf_counter() - started
    report = json.loads(out.stdout)
    if not report["ok"]:
        sys.exit(f"verify failed: {report['failure']}")
    return report["entries"] + report["decision_entries"], elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--verify-events", type=int, default=0,
                        help="keep ingesting until the log holds this many events before timing verify")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "-q", "-p", "aims"], cwd=ROOT, check=True)
    aims = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "aims")
    work = tempfile.mkdtemp(prefix="aims-bench-ledger-")
    body_path = os.path.join(work, "batch.json")
    body = events_body(BATCH)
    with open(body_path, "w") as f:
        f.write(body)
    mbps, small_per_s = sha256_rates()
    print(f"raw SHA-256: {mbps:,.0f} MB/s bulk; {small_per_s:,.0f} hashes/s of 256-byte messages (Python hashlib)")

    rows = []
    for engine in args.engines.split(","):
        pg = None
        if engine == "sqlite":
            url = f"sqlite://{os.path.join(work, engine + '.db')}"
        else:
            pg = inventory.Postgres()
            url = pg.url
        env = {**os.environ, "AIMS_LOG": "warn", "AIMS_ADMIN_PASSWORD": PASSWORD,
               "AIMS_DATA_DIR": os.path.join(work, "data-" + engine)}
        subprocess.run([aims, "init", "--database", url], cwd=work, check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc, base, _ = inventory.serve(aims, url, work)
        token, sid = setup(base)
        target = f"{base}/api/v1/systems/{sid}/decisions"
        eps, p99 = wrk_post(target, body_path, args.duration, args.connections, token)
        ingested = count(base, sid, token)
        rows.append((engine, "ingest through the API with the ledger, events/s", f"{eps:,.0f}",
                     f"p99 {p99:.1f} ms per batch of {BATCH}; {ingested:,} events"))
        run = 0
        while args.verify_events and count(base, sid, token) < args.verify_events:
            run += 1
            wrk_post(target, body_path, 30, args.connections, token, run)
        proc.terminate()
        proc.wait()
        if engine == "sqlite":
            plain, inserted = plain_sqlite_eps(os.path.join(work, "plain.db"), body, sid, str(uuid.uuid4()), ingested)
            rows.append((engine, "plain batched inserts, no ledger (python sqlite3), events/s", f"{plain:,.0f}",
                         f"{inserted:,} events; aims with ledger at {eps / plain:.2f}x of it"))
        entries, seconds = verify(aims, url, work)
        rows.append((engine, f"aims verify over {entries:,} entries, s", f"{seconds:.2f}",
                     f"{entries / seconds:,.0f} entries/s"))
        if pg:
            pg.stop()

    # The databases can be many gigabytes after --verify-events.
    shutil.rmtree(work, ignore_errors=True)
    print()
    print("| engine | measurement | value | note |")
    print("|---|---|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
