"""The Python examples of docs/scale-out.md and README.md, run as they stand there: each block marked
`<!-- tested: NAME -->` is extracted from the document and run in a fresh interpreter, so the
document is the test's input and an example that stops working fails here."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import triage
from conftest import REPO, broken_lines, fact_sets

DOC = REPO / "docs" / "scale-out.md"
BLOCK = re.compile(r"<!-- tested: (\S+) [^>]*-->\n```python\n(.*?)\n```", re.S)


def example(name: str) -> str:
    blocks = dict(BLOCK.findall(DOC.read_text()))
    assert name in blocks, f"no block marked `<!-- tested: {name} ...-->` in {DOC}"
    return blocks[name]


def run(code: str, cwd, env=None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, f"the example failed:\n{done.stderr}"
    return done


def test_the_pandas_example_prints_each_hosts_leading_cause(tmp_path):
    pytest.importorskip("pandas", reason="the pandas example needs pandas (pip install pandas)")
    code = example("pandas")
    out = run(code, tmp_path).stdout.splitlines()
    assert out[0].split() == ["host", "cause", "p", "next_fact", "first_fix"]
    rows = [line.split() for line in out[1:]]
    assert [row[0] for row in rows] == ["pc-017", "pc-018", "pc-019"]
    # The printed table is what diagnose says of each row, facts as the example has them.
    facts = re.search(r"pd\.DataFrame\(\n\s*\[(.*?)\n\s*\]\n\s*\)", code, re.S).group(1)
    hosts = eval("[" + facts + "]")  # the literal list of dicts in the example
    kb = triage.KnowledgeBase()
    for row, host in zip(rows, hosts):
        summary = kb.diagnose(host)
        assert row[1] == summary["causes"][0]["cause"]
        assert float(row[2]) == pytest.approx(summary["causes"][0]["probability"], abs=1e-4)
        # pandas prints a missing value as None or NaN, by column type and version.
        absent = ("None", "NaN")
        fact = (summary["next_question"] or {}).get("fact")
        assert row[3] == fact if fact else row[3] in absent
        fix = (summary["first_fix"] or {}).get("fix")
        assert row[4] == fix if fix else row[4] in absent
    assert any(row[3] not in absent for row in rows), "some host has a next fact"


def spark_missing() -> list[str]:
    missing = []
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        missing.append(f"{e.name} (pip install pyspark pyarrow)")
    if shutil.which("java") is None:
        missing.append("a Java 17+ runtime")
    return missing


def test_the_map_in_pandas_example_writes_the_batch_records(tmp_path):
    missing = spark_missing()
    if missing:
        message = f"the mapInPandas example needs {' and '.join(missing)}"
        if os.environ.get("TRIAGE_REQUIRE_SPARK"):
            pytest.fail(f"TRIAGE_REQUIRE_SPARK is set but {message}")
        print(f"\n*** NOT RUN: {message} ***", file=sys.__stderr__)
        pytest.skip(message)
    lines = [json.dumps(f).encode() for f in fact_sets("rdp", 400, seed=21)]
    for i, line in enumerate(broken_lines()):
        # Spark's text reader decodes bytes that are not UTF-8 with replacement characters.
        if b"\xff" not in line:
            lines.insert(5 + i * 31, line)
    (tmp_path / "fleet.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    run(example("mapInPandas"), tmp_path, env)
    results = tmp_path / "results"
    assert (results / "_SUCCESS").is_file()
    records = [
        json.loads(line)
        for part in sorted(results.glob("part-*"))
        for line in part.read_text().splitlines()
    ]
    assert len(records) == len(lines), "one record per input line"
    # Under 10,000 lines the file is one Arrow batch, so even `line` matches a direct batch.
    expected = triage.KnowledgeBase().batch(lines, jobs=1)
    assert sum("error" in r for r in expected) == len(broken_lines()) - 1

    def key(record):
        return json.dumps(record, sort_keys=True)

    assert sorted(records, key=key) == sorted(expected, key=key)


def test_the_readme_example_prints_a_cause_a_record_and_a_problem(tmp_path):
    readme = (REPO / "README.md").read_text()
    [code] = [c for name, c in BLOCK.findall(readme) if name == "readme"]
    out = run(code, REPO).stdout.splitlines()
    cause, probability = out[0].split()
    summary = triage.KnowledgeBase().diagnose(
        {"host": "pc-017", "error_code": "0x904", "extended_error_code": "0x7", "rdp_cert_days_to_expiry": -3}
    )
    assert (cause, float(probability)) == (summary["causes"][0]["cause"], summary["causes"][0]["probability"])
    assert out[1].startswith("pc-018 not valid JSON")
    assert out[2].startswith("`error_code`: expected an integer")
