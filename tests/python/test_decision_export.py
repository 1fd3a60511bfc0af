"""`aims export decisions` as Parquet, read by pyarrow, against the CSV export.

An installation is made with `aims init`; an AI system and its decision events (booleans,
numbers, text with commas and quotes, missing values, ground truth sent later) go in through
the REST API of `aims serve`, as a deployed system would send them. Then both exports of
the same window must hold the same rows in the same order: the Parquet file with typed,
nullable columns, the CSV with their text. AIMS_BIN names the aims binary.
"""

import csv
import datetime
import http.cookiejar
import json
import os
import subprocess
import urllib.request

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reference import AIMS

PASSWORD = "decision export password"


def aims(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_CONFIG", "AIMS_DATABASE_URL", "AIMS_DATA_DIR")}
    env.update(AIMS_LOG="warn", AIMS_ADMIN_PASSWORD=PASSWORD)
    return subprocess.run([AIMS, *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)


class Api:
    """A client of a running `aims serve`: signs in, then sends an API token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        session = self.send("POST", "/api/v1/session", {"username": "admin", "password": PASSWORD})
        created = self.send("POST", "/api/v1/tokens", {"name": "python tests"},
                            {"X-CSRF-Token": session["csrf_token"]})
        self.token = created["token"]

    def send(self, method, path, body=None, headers=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("Content-Type", "application/json")
        if getattr(self, "token", None):
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        with self.opener.open(request, timeout=30) as response:
            return json.loads(response.read())


def serve(cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_CONFIG", "AIMS_DATABASE_URL", "AIMS_DATA_DIR")}
    env["AIMS_LOG"] = "warn"
    server = subprocess.Popen([AIMS, "serve", "--listen", "127.0.0.1:0"], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in server.stdout:
        if line.startswith("aims is serving "):
            return server, line.split()[3]
    server.kill()
    raise AssertionError("aims serve did not print its address")


def event(i):
    """Events of a loan model: mixed-up shapes, so every column type and null is exercised."""
    e = {
        "id": f"loan-{i:03}",
        "time": f"2026-05-0{1 + i % 3}T{8 + i % 10:02}:{i % 60:02}:00.{i * 1013 % 1_000_000:06}Z",
        "decision": i % 3 != 0,
        "groups": {"age_band": ["18-25", "26-40", "41+"][i % 3]},
    }
    if i % 4:
        e["score"] = round(i / 97, 6)
    if i % 5 == 0:
        e["ground_truth"] = i % 2 == 0
        e["model_version"] = "2.0"
    if i % 7 == 0:
        e["groups"]["region"] = 'north, "upper"'
        e["input_ref"] = f"case/{i}"
        e["human_override"] = True
    return e


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("decisions")
    aims("init", "--organisation", "Lender", cwd=cwd)
    server, base = serve(cwd)
    try:
        api = Api(base)
        system = api.send("POST", "/api/v1/systems", {"name": "Loan pre-screening"})["id"]
        api.send("POST", f"/api/v1/systems/{system}/decisions", [event(i) for i in range(120)])
        api.send("PATCH", f"/api/v1/systems/{system}/decisions/loan-001", {"ground_truth": True})
    finally:
        server.terminate()
        server.wait(timeout=30)
    window = ["--system", system, "--from", "2026-05-01T09:00:00Z", "--to", "2026-05-03T15:00:00Z"]
    aims("export", "decisions", *window, "--format", "csv", "--output", "d.csv", cwd=cwd)
    aims("export", "decisions", *window, "--format", "parquet", "--output", "d.parquet", cwd=cwd)
    with open(cwd / "d.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows, pq.read_table(cwd / "d.parquet"), pq.ParquetFile(cwd / "d.parquet").metadata


def test_rows_and_columns_are_those_of_the_csv(exports):
    rows, table, metadata = exports
    assert 50 < len(rows) < 120, "the window holds some of the events"
    assert table.num_rows == metadata.num_rows == len(rows)
    assert table.column_names == list(rows[0].keys())
    assert metadata.row_group(0).column(0).compression == "ZSTD"


def test_columns_are_typed_and_nullable_where_a_value_may_be_absent(exports):
    _, table, _ = exports
    types = {f.name: (f.type, f.nullable) for f in table.schema}
    assert types == {
        "id": (pa.string(), False),
        "time": (pa.timestamp("us", tz="UTC"), False),
        "model_version": (pa.string(), True),
        "decision": (pa.bool_(), False),
        "score": (pa.float64(), True),
        "ground_truth": (pa.bool_(), True),
        "human_override": (pa.bool_(), False),
        "input_ref": (pa.string(), True),
        "input_hash": (pa.string(), True),
        "group.age_band": (pa.string(), True),
        "group.region": (pa.string(), True),
    }


def as_text(value):
    """A Parquet value as the CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        assert value.utcoffset() == datetime.timedelta(0)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def test_values_equal_the_csv_row_by_row(exports):
    rows, table, _ = exports
    for row, typed in zip(rows, table.to_pylist()):
        for name, text in row.items():
            value = typed[name]
            if isinstance(value, float):
                assert value == float(text), f"{row['id']} {name}"
            else:
                assert as_text(value) == text, f"{row['id']} {name}: {value!r} vs {text!r}"
    by_id = {r["id"]: r for r in table.to_pylist()}
    assert by_id["loan-001"]["ground_truth"] is True, "ground truth sent later"
    assert by_id["loan-007"]["group.region"] == 'north, "upper"'
    times = table.column("time").to_pylist()
    assert times == sorted(times), "oldest first"
