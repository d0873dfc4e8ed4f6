"""The Python package against the CLI: the same documents, records and error messages for the
same facts, the GIL released during a batch, hostile values kept as data."""

import json
import math
import threading
import time

import pytest
import triage
from conftest import REPO, broken_lines, cli_batch, examples, fact_sets, run_cli


@pytest.fixture(scope="module")
def rdp():
    return triage.KnowledgeBase()


@pytest.fixture(scope="module")
def ssh():
    return triage.KnowledgeBase("ssh")


def encoded(facts: dict) -> bytes:
    return json.dumps(facts).encode()


def test_embedded_knowledge_bases_are_named_as_with_kb():
    assert triage.knowledge_bases() == ["rdp", "ssh"]
    assert triage.KnowledgeBase().name == "rdp"
    assert triage.KnowledgeBase("ssh").name == "ssh"
    folder = triage.KnowledgeBase(REPO / "knowledge" / "ssh")
    assert folder.name == str(REPO / "knowledge" / "ssh")
    facts = examples("ssh")[0]
    assert folder.diagnose(facts) == triage.KnowledgeBase("ssh").diagnose(facts)


def test_diagnose_summary_is_the_batch_summary_line(rdp, ssh):
    for kb, name in [(rdp, "rdp"), (ssh, "ssh")]:
        sets = examples(name) + fact_sets(name, 150)
        expected = cli_batch([encoded(f) for f in sets], "--kb", name)
        for facts, record in zip(sets, expected):
            if "line" in record:
                record["line"] = 1  # one fact set is line 1 of its batch
            assert kb.diagnose(facts) == record, facts


def test_diagnose_full_is_diagnose_format_json(rdp, ssh, tmp_path):
    cases = [("rdp", f) for f in examples("rdp") + fact_sets("rdp", 8, seed=3)]
    cases += [("ssh", f) for f in examples("ssh") + fact_sets("ssh", 4, seed=3)]
    for i, (name, facts) in enumerate(cases):
        path = tmp_path / f"facts-{i}.json"
        path.write_text(json.dumps(facts))
        done = run_cli("diagnose", "--kb", name, "--format", "json", str(path))
        assert done.returncode in (0, 3), done.stderr.decode()
        kb = rdp if name == "rdp" else ssh
        assert kb.diagnose(facts, detail="full") == json.loads(done.stdout), facts


def test_batch_equals_triage_batch_line_for_line(rdp):
    sets = fact_sets("rdp", 1000, seed=11)  # thin fact sets, the slow kind: seconds each run
    items: list = list(sets)
    for i, line in enumerate(broken_lines()):
        items.insert(1 + i * 97, line)
    lines = [item if isinstance(item, bytes) else encoded(item) for item in items]
    expected = cli_batch(lines, "--kb", "rdp")
    assert sum("error" in r for r in expected) == len(broken_lines())
    assert rdp.batch(items) == expected
    assert rdp.batch(iter(items), jobs=1) == expected
    assert rdp.batch(items, jobs=3) == expected
    full = cli_batch(lines, "--kb", "rdp", "--detail", "full")
    assert rdp.batch(items, detail="full") == full


def test_batch_reads_a_json_lines_file_as_triage_batch_does(rdp, tmp_path):
    path = tmp_path / "fleet.jsonl"
    lines = [encoded(f) for f in fact_sets("rdp", 500, seed=5)] + broken_lines()
    path.write_bytes(b"\r\n".join(lines) + b"\n")
    expected = [json.loads(line) for line in run_cli("batch", "--kb", "rdp", str(path)).stdout.splitlines()]
    with open(path, encoding="utf-8", errors="surrogateescape") as text:
        assert rdp.batch(text) == expected
    with open(path, "rb") as binary:
        assert rdp.batch(binary) == expected


def test_lenient_keeps_unknown_keys_as_warnings_like_the_cli():
    kb = triage.KnowledgeBase(lenient=True)
    facts = {"error_code": "0x904", "host": "pc", "colour": "blue"}
    [expected] = cli_batch([encoded(facts)], "--kb", "rdp", "--lenient")
    assert expected["warnings"]
    assert kb.diagnose(facts) == expected


def test_fact_errors_carry_the_cli_message_and_problems(rdp, tmp_path):
    bad = [
        {"error_code": "0x904", "no_such_fact": 1, "failure_pattern": "sometimes"},
        {"error_code": True},
        {"rdp_cert_days_to_expiry": -3.5},
        {"failure_patern": "intermittent"},
        {"host": 7, "error_code": "0x904"},
        {"k" * 500: 1},
    ]
    for i, facts in enumerate(bad):
        path = tmp_path / f"bad-{i}.json"
        path.write_text(json.dumps(facts))
        done = run_cli("diagnose", "--kb", "rdp", "--format", "json", str(path))
        assert done.returncode == 1
        with pytest.raises(triage.FactError) as raised:
            rdp.diagnose(facts)
        assert f"{path}: {raised.value}\n" == done.stderr.decode()
        [record] = cli_batch([encoded(facts)], "--kb", "rdp")
        assert raised.value.problems == record["problems"]
        with pytest.raises(triage.FactError) as again:
            rdp.next_question(facts)
        assert str(again.value) == str(raised.value)
    with pytest.raises(triage.FactError, match="not valid JSON"):
        rdp.diagnose('{"error_code": ')
    assert issubclass(triage.FactError, ValueError)


def test_values_json_cannot_hold_are_problems_of_their_key(rdp):
    with pytest.raises(triage.FactError) as raised:
        rdp.diagnose({"error_code": b"0x904", "latency_ms": math.inf, "nope": 1})
    problems = raised.value.problems
    assert problems[0].startswith("`error_code`: expected a JSON value") and "bytes" in problems[0]
    assert problems[1].startswith("`latency_ms`: expected a JSON value") and "infinity" in problems[1]
    assert problems[2].startswith("`nope`: expected a fact declared in the knowledge base")
    assert str(raised.value).startswith("3 problems in the facts:\n  `error_code`")
    [record] = rdp.batch([{"error_code": object()}])
    assert record["error"] == "1 problem in the facts" and "object" in record["problems"][0]
    with pytest.raises(TypeError, match="expected a dict of facts"):
        rdp.diagnose(["error_code", "0x904"])
    [record] = rdp.batch([42])
    assert record == {"line": 1, "error": "expected a dict of facts (or a JSON object as text), found a Python int"}


def test_missing_values_of_pandas_and_numpy_are_unknown(rdp):
    import numpy
    import pandas

    plain = {"host": "pc", "error_code": "0x904", "extended_error_code": "0x7", "rdp_cert_days_to_expiry": -3}
    noisy = dict(plain, tcp_3389_reachable=math.nan, failure_pattern=None, latency_ms=pandas.NA)
    noisy["rdp_cert_days_to_expiry"] = numpy.int64(-3)
    assert rdp.diagnose(noisy) == rdp.diagnose(plain)
    assert rdp.diagnose(dict(plain, recent_change=numpy.array(["certificate_change"]))) == rdp.diagnose(
        dict(plain, recent_change=["certificate_change"])
    )


def test_hostile_values_stay_data(rdp):
    script = "<script>alert(1)</script>\"; rm -rf / #\n$(reboot)`id`\u202e"
    [record] = rdp.batch([{"host": script, "error_code": "0x904"}])
    assert record["host"] == script
    assert rdp.diagnose({"host": script, "error_code": "0x904"}, detail="full")["host"] == script
    huge_key = "x" * 100_000
    with pytest.raises(triage.FactError) as raised:
        rdp.diagnose({huge_key: 1})
    assert len(str(raised.value)) < 1000  # the key is shortened, as the CLI shortens it
    nested: list = []
    for _ in range(200):
        nested = [nested]
    cyclic: list = []
    cyclic.append(cyclic)
    for value in (nested, cyclic):
        with pytest.raises(triage.FactError, match="nested more than 64 deep"):
            rdp.diagnose({"recent_change": value})
    with pytest.raises(triage.FactError, match="longer|bytes|characters"):
        rdp.diagnose({"error_message": "a" * (1 << 20)})

    class Shouting:
        def __repr__(self):
            raise RuntimeError("repr is not called for a value")

    shouting, int_key = rdp.batch([{"error_code": Shouting()}, {1: "x"}])
    assert "Shouting" in shouting["problems"][0]
    assert int_key["line"] == 2
    assert int_key["problems"] == ["1: expected a fact name (a str), found a key of type int"]


def test_next_question_is_the_summary_next_fact_in_full(rdp, tmp_path):
    asked = 0
    for i, facts in enumerate(examples("rdp") + fact_sets("rdp", 12, seed=9)):
        summary = rdp.diagnose(facts)
        question = rdp.next_question(facts)
        if summary["next_question"] is None:
            assert question is None
            continue
        asked += 1
        assert question["fact"] == summary["next_question"]["fact"]
        path = tmp_path / f"f{i}.json"
        path.write_text(json.dumps(facts))
        full = json.loads(run_cli("diagnose", "--kb", "rdp", "--format", "json", str(path)).stdout)
        assert question == full["symptoms"][0]["next_questions"][0]
    assert asked >= 5


def test_symptoms_are_triage_symptoms_format_json(rdp, ssh):
    for kb, name in [(rdp, "rdp"), (ssh, "ssh")]:
        expected = json.loads(run_cli("symptoms", "--kb", name, "--format", "json").stdout)
        assert kb.symptoms() == expected


def test_a_knowledge_base_that_does_not_load_raises(tmp_path):
    with pytest.raises(triage.KnowledgeBaseError):
        triage.KnowledgeBase(tmp_path / "missing")
    broken = tmp_path / "broken.kb"
    broken.write_text("fact x: bool\ncause y {\n")
    with pytest.raises(triage.KnowledgeBaseError, match="error"):
        triage.KnowledgeBase(broken)
    with pytest.raises(ValueError, match="detail"):
        triage.KnowledgeBase().diagnose({}, detail="everything")
    with pytest.raises(ValueError, match="jobs"):
        triage.KnowledgeBase().batch([], jobs=0)


def test_batch_releases_the_gil_while_it_works(rdp):
    # Thin fact sets (a few random facts) are the slow ones: weighing the next question over
    # the symptoms they leave open. 600 of them keep the engine busy for seconds.
    records = fact_sets("rdp", 300, seed=1) * 2
    stamps: list[float] = []
    stop = threading.Event()

    def count():
        n = 0
        while not stop.is_set():
            n += 1
            if n % 1000 == 0:
                stamps.append(time.perf_counter())

    worker = threading.Thread(target=count)
    worker.start()
    time.sleep(0.05)
    started = time.perf_counter()
    results = rdp.batch(records)
    ended = time.perf_counter()
    stop.set()
    worker.join()
    assert len(results) == len(records)
    assert ended - started > 0.2, "the batch is too short to tell"
    third = (ended - started) / 3
    middle = [t for t in stamps if started + third < t < ended - third]
    # Holding the GIL for the whole call, the other thread could not run in its middle third.
    assert len(middle) > 10, f"{len(middle)} stamps in the middle third of {ended - started:.2f} s"
