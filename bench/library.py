#!/usr/bin/env python3
"""Library and Statement of Applicability benchmark.

Runs `cargo bench -p aims-server --bench soa` (release build): loading and checking the
whole bundled library, readiness with the crosswalk views, and the SoA pages for 38 filled
controls through the whole router on SQLite. In the same run it times what a Python GRC
tool does with the same files before any checking: PyYAML's `safe_load` of every library
file (with the pure-Python loader, and with the libyaml C loader when installed). Prints a
Markdown table for docs/benchmarks.md; the target of each aims figure is 20 ms.

Usage: bench/library.py [--runs N]
Needs: PyYAML (`pip install pyyaml`).
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_MS = 20.0


def aims_figures():
    out = subprocess.run(
        ["cargo", "bench", "-q", "-p", "aims-server", "--bench", "soa"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    lines = out.strip().splitlines()
    for line in lines[:-1]:
        print(line, file=sys.stderr)
    return json.loads(lines[-1])


def pyyaml_ms(texts, loader, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            yaml.load(text, Loader=loader)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each Python load")
    args = parser.parse_args()

    paths = sorted(glob.glob(os.path.join(ROOT, "library", "**", "*.yaml"), recursive=True))
    texts = [open(p, encoding="utf-8").read() for p in paths]
    size_kb = sum(len(t.encode()) for t in texts) / 1024

    aims = aims_figures()
    python = {"PyYAML safe_load (pure Python)": pyyaml_ms(texts, yaml.SafeLoader, args.runs)}
    if getattr(yaml, "CSafeLoader", None):
        python["PyYAML safe_load (libyaml C loader)"] = pyyaml_ms(texts, yaml.CSafeLoader, args.runs)

    load = aims["library_load_ms"]
    print(f"{len(paths)} library files, {size_kb:.0f} KiB\n")
    print("| measurement | median ms | target | vs aims library load |")
    print("|---|---:|---:|---:|")
    rows = [
        ("aims: load and check the bundled library", load),
        ("aims: readiness (ISO/IEC 42001, NIST AI RMF and EU AI Act views)", aims["readiness_ms"]),
        ("aims: library load + readiness", aims["library_and_readiness_ms"]),
        ("aims: GET /soa, 38 controls (HTML)", aims["soa_page_ms"]),
        ("aims: GET /soa, 38 controls, p95", aims["soa_page_p95_ms"]),
        ("aims: GET /soa/readiness (HTML)", aims["readiness_page_ms"]),
        ("aims: GET /api/v1/soa/readiness (JSON)", aims["readiness_api_ms"]),
    ]
    for name, value in rows:
        verdict = "met" if value < TARGET_MS else "missed"
        print(f"| {name} | {value:.2f} | < {TARGET_MS:.0f} ms ({verdict}) | |")
    for name, value in python.items():
        print(f"| {name}, parse only | {value:.2f} | | {value / load:.1f}x |")


if __name__ == "__main__":
    main()
