"""Shared helpers of the Python package's tests: the `triage` binary the results are compared
with, and fact sets generated from the knowledge base's own fact-file schema."""

import functools
import json
import os
import random
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@functools.cache
def triage_binary() -> Path:
    """The CLI to compare with: $TRIAGE_BIN, else the `triage` that `cargo build --bin triage`
    makes now, so the comparison is with the same source the extension module was built from
    (a stale target/debug/triage would differ in any rule changed since)."""
    given = os.environ.get("TRIAGE_BIN")
    if given:
        path = Path(given)
        if not path.is_file():
            pytest.fail(f"TRIAGE_BIN={given}: no such file")
        return path
    done = subprocess.run(
        ["cargo", "build", "--bin", "triage", "--message-format=json-render-diagnostics"],
        cwd=REPO,
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.fail(f"cargo build --bin triage failed (or set TRIAGE_BIN):\n{done.stderr.decode()}")
    for line in done.stdout.decode().splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "triage":
            if message.get("executable"):
                return Path(message["executable"])
    pytest.fail("cargo build --bin triage named no executable (set TRIAGE_BIN)")


def run_cli(*args: str, stdin: bytes = b"", check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRIAGE_KB"}
    done = subprocess.run(
        [str(triage_binary()), *args], input=stdin, capture_output=True, env=env, cwd=REPO
    )
    if check and done.returncode not in (0, 1, 3):
        raise AssertionError(f"triage {' '.join(args)}: exit {done.returncode}\n{done.stderr.decode()}")
    return done


def cli_batch(lines: list[bytes], *args: str) -> list[dict]:
    """`triage batch -` on these lines: one parsed record per output line."""
    done = run_cli("batch", "-", *args, stdin=b"".join(line + b"\n" for line in lines))
    out = done.stdout.decode().splitlines()
    assert len(out) == len(lines), done.stderr.decode()
    return [json.loads(line) for line in out]


def schema(kb: str) -> dict:
    return json.loads(run_cli("schema", "--kb", kb).stdout)["properties"]


def example_value(rng: random.Random, spec: dict):
    """A value a fact of this schema accepts (a declared value of an enum, an int …)."""
    if "enum" in spec:
        return rng.choice([v for v in spec["enum"] if v is not None])
    if "oneOf" in spec:
        choices = [s for s in spec["oneOf"] if s.get("type") != "null"]
        return example_value(rng, rng.choice(choices))
    types = spec.get("type")
    types = [types] if isinstance(types, str) else [t for t in (types or []) if t != "null"]
    kind = types[0] if types else "string"
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "integer":
        return rng.choice([0, 1, 3, 30, 200, -3, 2308])
    if kind == "number":
        return rng.choice([0.0, 0.5, 8.0, 260.0, 12.5])
    if kind == "array":
        item = spec.get("items", {})
        return sorted({example_value(rng, item) for _ in range(rng.randint(1, 3))}, key=str)
    if spec.get("pattern", "").startswith("^\\s*-?(0[xX]"):
        return rng.choice(["0x904", "0x204", "0x7", "2308", "0x112f"])
    if spec.get("format") == "date-time":
        return "2026-11-25T09:12:00Z"
    return rng.choice(["OpenSSH_9.2p1", "22", "maria", "publickey,password", "<b>x</b>"])


def fact_sets(kb: str, count: int, seed: int = 7) -> list[dict]:
    """`count` fact sets of 1–8 facts drawn from the schema, most of them with a host."""
    rng = random.Random(seed)
    properties = schema(kb)
    facts = [name for name in properties if name not in ("host", "collected_at", "symptom")]
    sets = []
    for i in range(count):
        chosen = rng.sample(facts, rng.randint(1, 8))
        record = {name: example_value(rng, properties[name]) for name in chosen}
        if rng.random() < 0.8:
            record["host"] = f"host-{i:05}"
        if rng.random() < 0.1:
            record["symptom"] = example_value(rng, properties["symptom"])
        sets.append(record)
    return sets


def examples(kb: str) -> list[dict]:
    folder = REPO / "knowledge" / kb / "examples"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def broken_lines() -> list[bytes]:
    """Lines `triage batch` refuses, each for another reason."""
    return [
        b'{"error_code": "0x904", "no_such_fact": 1}',
        b'{"error_code": true}',
        b'{"failure_pattern": "sometimes", "host": "bad-enum"}',
        b'{"error_code": "0x904"',
        b"",
        b"   ",
        b"[1, 2]",
        b'{"host": 7}',
        b'{"error_code": "0x904", "error_code": "0x204"}',
        b'{"rdp_cert_days_to_expiry": -3.5, "nope": null}',
        b"\xff\xfe not utf-8",
        b'"just a string"',
    ]
