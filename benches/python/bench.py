"""The Python package against the CLI on the shipped RDP knowledge base (issue 20, part 4).

    python3 benches/python/bench.py [--repeat N] [--no-build]

Builds release builds of `triage` (cargo build --release) and of the extension module
(maturin build --release, unpacked into target/bench-python/, not installed), then measures on
the RDP fact sets of knowledge/rdp/examples (each also with one fact left out) repeated to
N lines:

- one `KnowledgeBase.diagnose(facts)` call from Python (dict in, summary dict out), against
  the same work in Rust: `triage batch - --jobs 1` per line (read the line, diagnose, write
  the summary), its process start measured on an empty input and taken off. Target ≤ 3×.
- `KnowledgeBase.batch(dicts)` (all cores) against `triage batch -` (all cores) on the same
  lines, in lines per second. Target ≥ 50 %.

Prints a table; each figure is the best of three runs.
"""

import argparse
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def target_dir() -> Path:
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO, capture_output=True, check=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"])


def build(target: Path) -> tuple[Path, Path]:
    subprocess.run(["cargo", "build", "--release", "--bin", "triage"], cwd=REPO, check=True)
    wheels = target / "bench-python" / "wheels"
    for old in wheels.glob("triage-*.whl"):
        old.unlink()
    subprocess.run(
        [sys.executable, "-m", "maturin", "build", "--release", "-m", "python/Cargo.toml", "-o", str(wheels)],
        cwd=REPO, check=True,
    )
    site = target / "bench-python" / "site"
    [wheel] = wheels.glob("triage-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return target / "release" / "triage", site


def rdp_fact_sets() -> list[dict]:
    """The shipped RDP examples, and each of them with one fact left out (the partial reports
    a fleet sends): fact sets like knowledge/rdp/cases, as JSON."""
    sets = []
    for path in sorted((REPO / "knowledge/rdp/examples").glob("*.json")):
        example = json.loads(path.read_text())
        sets.append(example)
        for key in example:
            if key not in ("host", "collected_at", "symptom"):
                sets.append({k: v for k, v in example.items() if k != key})
    return sets


def best(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20_000, help="lines per measurement")
    parser.add_argument("--no-build", action="store_true", help="use the builds already there")
    args = parser.parse_args()
    target = target_dir()
    if args.no_build:
        binary, site = target / "release" / "triage", target / "bench-python" / "site"
    else:
        binary, site = build(target)
    sys.path.insert(0, str(site))
    import triage  # noqa: PLC0415 (the release build just unpacked)

    assert Path(triage.__file__).is_relative_to(site), triage.__file__
    sets = rdp_fact_sets()
    facts = [sets[i % len(sets)] for i in range(args.repeat)]
    for i, f in enumerate(facts):
        facts[i] = dict(f, host=f"host-{i:06}")
    lines = b"".join(json.dumps(f).encode() + b"\n" for f in facts)
    kb = triage.KnowledgeBase()

    def cli(*extra: str, data: bytes = lines) -> None:
        done = subprocess.run([str(binary), "batch", "-", "--kb", "rdp", *extra], input=data, capture_output=True)
        assert done.returncode in (0, 1), done.stderr

    # The same records, or the comparison means nothing.
    out = subprocess.run([str(binary), "batch", "-", "--kb", "rdp"], input=lines, capture_output=True).stdout
    assert [json.loads(x) for x in out.splitlines()[:500]] == kb.batch(facts[:500])

    start = best(3, lambda: cli("--jobs", "1", data=b""))
    rust_serial = (best(3, lambda: cli("--jobs", "1")) - start) / len(facts)
    python_call = best(3, lambda: [kb.diagnose(f) for f in facts]) / len(facts)
    rust_batch = len(facts) / best(3, lambda: cli())
    python_batch = len(facts) / best(3, lambda: kb.batch(facts))

    print(f"shipped RDP knowledge base, {len(sets)} distinct fact sets repeated to {len(facts):,} lines")
    print(f"{'measure':44} {'Rust':>12} {'Python':>12} {'ratio':>8}  target")
    print(f"{'one diagnose call (µs), serial':44} {rust_serial * 1e6:12.1f} {python_call * 1e6:12.1f} "
          f"{python_call / rust_serial:7.2f}×  ≤ 3×")
    print(f"{'batch throughput (lines/s), all cores':44} {rust_batch:12,.0f} {python_batch:12,.0f} "
          f"{python_batch / rust_batch:7.0%}  ≥ 50 %")
    print(f"(triage batch's process start, taken off the serial figure: {start * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
