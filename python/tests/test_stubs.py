"""The type stubs (python/triage/_triage.pyi) against the documents they describe: the summary
record's TypedDicts name every key `triage batch --schema` has, and no other."""

import ast
import json
from pathlib import Path

from conftest import run_cli

STUBS = Path(__file__).resolve().parents[1] / "triage" / "_triage.pyi"


def typed_dicts() -> dict[str, set[str]]:
    tree = ast.parse(STUBS.read_text())
    return {
        node.name: {item.target.id for item in node.body if isinstance(item, ast.AnnAssign)}
        for node in tree.body
        if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") == "TypedDict" for b in node.bases)
    }


def test_the_summary_stubs_list_every_key_of_the_batch_schema():
    schema = json.loads(run_cli("batch", "--schema").stdout)
    defs = schema["$defs"]
    stubs = typed_dicts()
    variants = {v["title"]: v for v in schema["oneOf"]}
    summary, error = variants["SummaryReport"], variants["ErrorRecord"]
    assert stubs["Summary"] == set(summary["properties"])
    assert stubs["BatchError"] == set(error["properties"])

    def ref(spec):
        for option in [spec, *spec.get("anyOf", []), spec.get("items", {})]:
            if "$ref" in option:
                return defs[option["$ref"].split("/")[-1]]
        return None

    nested = {
        "symptoms": "SummarySymptom",
        "causes": "SummaryCause",
        "next_question": "SummaryQuestion",
        "other_questions": "SummaryOtherQuestion",
        "first_fix": "SummaryFix",
    }
    for key, stub in nested.items():
        target = ref(summary["properties"][key])
        assert target is not None, key
        assert stubs[stub] == set(target["properties"]), key
