"""OSCAL documents written by aims, validated by compliance-trestle.

For every framework of the bundled library, `aims export oscal-catalog` must give a catalog
that trestle accepts. The profile and assessment-results documents are built through the
CLI too (`aims export oscal-profile` / `oscal-assessment-results`, with the JSON inputs
described in docs/library-format.md): this test then needs nothing but the binary, and
checks the same code path users run, where a sample written by a Rust test would need
cargo and a second process to hand files over. To show that validation can fail, broken
copies of a valid catalog must be rejected.

AIMS_BIN names the aims binary. Trestle needs a workspace, made with `trestle init` in a
temporary folder; `trestle validate -f FILE` exits 0 for a valid document, 4 otherwise.
"""

import copy
import json
import os
import subprocess
import sys

import pytest

AIMS = os.path.abspath(os.environ.get("AIMS_BIN", "target/debug/aims"))
ISO = "iso-iec-42001-2023"


def aims(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_CONFIG", "AIMS_DATABASE_URL")}
    env["AIMS_LOG"] = "warn"
    return subprocess.run([AIMS, *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)


def trestle(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "trestle", *args], cwd=cwd, capture_output=True, text=True
    )


def bundled_ids():
    # From an empty folder, so that no ./library is laid over the bundled one.
    out = subprocess.run(
        [AIMS, "library", "list", "--format", "json"],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    )
    return [f["id"] for f in json.loads(out.stdout)]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("trestle")
    result = trestle("init", cwd=ws)
    assert result.returncode == 0, result.stdout + result.stderr
    return ws


# Where trestle expects each model in its workspace.
MODEL_FILES = {
    "catalogs": "catalog.json",
    "profiles": "profile.json",
    "assessment-results": "assessment-results.json",
}


def validate(ws, folder, name, document):
    """Writes a document into the trestle workspace and validates it; returns the result."""
    target = ws / folder / name
    target.mkdir(parents=True, exist_ok=True)
    path = target / MODEL_FILES[folder]
    path.write_text(json.dumps(document, indent=2))
    return trestle("validate", "-f", str(path), cwd=ws)


def export_catalog(ws, framework):
    out = aims("export", "oscal-catalog", "--framework", framework, "--output", "-", cwd=ws)
    return json.loads(out.stdout)


def test_the_bundled_library_has_frameworks():
    ids = bundled_ids()
    assert ISO in ids and len(ids) >= 3


@pytest.mark.parametrize("framework", bundled_ids())
def test_each_bundled_catalog_is_valid(workspace, framework):
    catalog = export_catalog(workspace, framework)
    result = validate(workspace, "catalogs", framework, catalog)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout


def soa_metadata(href):
    return {
        "title": "Statement of Applicability",
        "version": "3",
        "last_modified": "2026-01-15T10:00:00Z",
        "import_href": href,
        "organisation": "Acme",
    }


def test_profile_is_valid(workspace, tmp_path):
    soa = {
        "metadata": soa_metadata(f"trestle://catalogs/{ISO}/catalog.json"),
        "controls": [
            {"control_ref": "A.2.2", "applicable": True, "justification": "We develop AI systems."},
            {"control_ref": "A.6.2.4", "applicable": True},
            {"control_ref": "A.10.4", "applicable": False, "justification": "No customers.\nOnly staff."},
        ],
    }
    (tmp_path / "soa.json").write_text(json.dumps(soa))
    out = aims("export", "oscal-profile", "--framework", ISO, "--input", "soa.json", "-o", "-", cwd=tmp_path)
    profile = json.loads(out.stdout)
    result = validate(workspace, "profiles", "soa", profile)
    assert result.returncode == 0, result.stdout + result.stderr
    # The ids it selects exist in the catalog (trestle does not check references).
    catalog_ids = ids_of(export_catalog(workspace, ISO))
    selected = profile["profile"]["imports"][0]["include-controls"][0]["with-ids"]
    assert selected == ["a.2.2", "a.6.2.4"]
    assert set(selected) <= catalog_ids


def test_assessment_results_are_valid(workspace, tmp_path):
    status = {
        "metadata": soa_metadata("./assessment-plan.json"),
        "findings": [
            {"control_ref": "A.2.2", "status": "implemented", "owner": "CISO",
             "evidence": ["https://intranet.example/ai-policy", "board minutes 2026-01"]},
            {"control_ref": "6.1.2", "status": "not-started"},
            {"control_ref": "A.6.2.4", "status": "partially-implemented", "remarks": "Tests exist for one system."},
            {"control_ref": "A.10.4", "status": "not-applicable"},
            {"control_ref": "A.5.2", "status": "planned"},
        ],
    }
    (tmp_path / "status.json").write_text(json.dumps(status))
    out = aims(
        "export", "oscal-assessment-results", "--framework", ISO, "--input", "status.json", "-o", "-",
        cwd=tmp_path,
    )
    results = json.loads(out.stdout)
    result = validate(workspace, "assessment-results", "status", results)
    assert result.returncode == 0, result.stdout + result.stderr
    # References trestle does not check: targets are objectives of the catalog, and related
    # observations exist.
    catalog_ids = ids_of(export_catalog(workspace, ISO))
    res = results["assessment-results"]["results"][0]
    observations = {o["uuid"] for o in res["observations"]}
    for finding in res["findings"]:
        assert finding["target"]["target-id"] in catalog_ids
        for related in finding.get("related-observations", []):
            assert related["observation-uuid"] in observations
    states = [f["target"]["status"]["state"] for f in res["findings"]]
    assert states == ["satisfied", "not-satisfied", "not-satisfied", "satisfied", "not-satisfied"]


def ids_of(document):
    found = set()

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("id"), str):
                found.add(value["id"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(document)
    return found


def first_control(catalog):
    group = catalog["catalog"]["groups"][0]
    return group["controls"][0]


BREAKAGES = {
    "id starting with a digit": lambda c: first_control(c).__setitem__("id", "4.1"),
    "timestamp without zone": lambda c: c["catalog"]["metadata"].__setitem__("last-modified", "2026-01-15T10:00:00"),
    "UUID v1": lambda c: c["catalog"].__setitem__("uuid", "3f6c1a52-8a8e-11ee-9a0d-2f1d7c9b4e11"),
    "unknown key": lambda c: first_control(c).__setitem__("kind", "requirement"),
    "missing version": lambda c: c["catalog"]["metadata"].pop("version"),
    "group with groups and controls": lambda c: c["catalog"]["groups"][0].__setitem__(
        "groups", [{"title": "Extra"}]
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_trestle_rejects_a_broken_catalog(workspace, breakage):
    catalog = export_catalog(workspace, ISO)
    assert validate(workspace, "catalogs", "intact", catalog).returncode == 0
    broken = copy.deepcopy(catalog)
    BREAKAGES[breakage](broken)
    result = validate(workspace, "catalogs", "broken", broken)
    assert result.returncode == 4, f"{breakage}: {result.stdout}{result.stderr}"


API_DOWNLOADS = {
    "profile": "/api/v1/soa/export?format=oscal-profile",
    "assessment-results": "/api/v1/soa/export?format=oscal-assessment-results",
    "catalog": f"/api/v1/frameworks/{ISO}/oscal-catalog",
}


def api_downloads(base):
    """The OSCAL documents the running server offers, fetched as the demo admin."""
    import http.cookiejar
    import urllib.request

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    sign_in = urllib.request.Request(
        f"{base}/api/v1/session",
        data=json.dumps({"username": "admin", "password": "demo password for tests"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with opener.open(sign_in, timeout=10) as r:
        assert r.status == 200
    documents = {}
    for name, path in API_DOWNLOADS.items():
        with opener.open(f"{base}{path}", timeout=10) as r:
            assert r.headers["Content-Type"] == "application/json"
            assert r.headers["Content-Disposition"].startswith("attachment;")
            documents[name] = json.load(r)
    return documents


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """A folder whose default database holds the demo organisation, made by `aims serve
    --demo` and stopped once ready, and the OSCAL documents its API offered."""
    import socket
    import time
    import urllib.request

    folder = tmp_path_factory.mktemp("demo")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_CONFIG", "AIMS_DATABASE_URL")}
    env.update({"AIMS_LOG": "warn", "AIMS_ADMIN_PASSWORD": "demo password for tests"})
    server = subprocess.Popen(
        [AIMS, "serve", "--demo", "--listen", f"127.0.0.1:{port}"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "aims serve --demo did not get ready"
            time.sleep(0.2)
        downloads = api_downloads(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return folder, downloads


def test_documents_from_the_database_are_valid(workspace, demo_folder):
    demo_folder, downloads = demo_folder
    out = aims("export", "oscal-profile", "-o", "-", cwd=demo_folder)
    profile = json.loads(out.stdout)
    result = validate(workspace, "profiles", "demo", profile)
    assert result.returncode == 0, result.stdout + result.stderr
    selected = profile["profile"]["imports"][0]["include-controls"][0]["with-ids"]
    catalog_ids = ids_of(export_catalog(workspace, ISO))
    assert 30 <= len(selected) < 38, "the demo excludes a few controls"
    assert set(selected) <= catalog_ids

    out = aims("export", "oscal-assessment-results", "-o", "-", cwd=demo_folder)
    results = json.loads(out.stdout)
    result = validate(workspace, "assessment-results", "demo", results)
    assert result.returncode == 0, result.stdout + result.stderr
    assert results["assessment-results"]["metadata"]["title"].startswith("Statement of Applicability")


def test_the_api_offers_the_same_documents_as_the_command_line(workspace, demo_folder):
    demo_folder, downloads = demo_folder
    for name, command in [
        ("profile", "oscal-profile"),
        ("assessment-results", "oscal-assessment-results"),
    ]:
        out = aims("export", command, "-o", "-", cwd=demo_folder)
        assert downloads[name] == json.loads(out.stdout), name
    assert downloads["catalog"] == export_catalog(workspace, ISO)
