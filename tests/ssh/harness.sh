#!/usr/bin/env bash
# The SSH knowledge base run for real: for every fault the sandbox can inject (sandbox.sh),
# collect the facts with the collectors `triage collect --kb ssh` generates (the client's as
# the client account, the server's as root), diagnose them, apply the bash plan for the side
# of the first fix, check that the login works, undo the plan and check that the broken state
# is back exactly (fingerprint), then restore the sandbox. The faults the knowledge base does
# not list (`sandbox.sh unlisted`) are collected and diagnosed too: the unlisted cause must
# lead; no plan is applied to them (no fix in the knowledge base is theirs).
#
# The rankings are `triage test`'s: the observed fact sets become test cases (two per fault:
# every fact, and only the client's), and `triage test --format json` judges them, so the
# figures here are the ones `triage test --cases FILE` gives for the written file. "top-1"
# means the expected cause leads, the unlisted cause included (for an unlisted fault: the
# unlisted cause leads); "rank" counts the unlisted cause as a place when it is ahead; "top-3"
# is `triage test`'s (the expected cause among the first three listed causes).
#
# Usage (root): tests/ssh/harness.sh [--triage PATH] [--kb KB] [--cases FILE] [FAULT[:VARIANT] ...]
#   --triage PATH  the triage binary (default: target/debug/triage)
#   --kb KB        the knowledge base: `ssh` (the embedded one, the default) or a folder
#                  such as knowledge/ssh (the files as they are now, without a rebuild)
#   --cases FILE   also write the observed fact sets as test cases to FILE
# Prints one line per fault and a summary; exits 1 when a listed fault is not ranked first
# with every fact, or its plan does not fix it, or the undo does not give the broken state
# back, or when the unlisted cause does not lead for an unlisted fault with every fact.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sandbox=$here/sandbox.sh
triage=$root/target/debug/triage
kb=ssh
cases_out=
faults=()
while [ "$#" -gt 0 ]; do
  case $1 in
    --triage) triage=$2; shift ;;
    --kb) kb=$2; shift ;;
    --cases) cases_out=$2; shift ;;
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) faults+=("$1") ;;
  esac
  shift
done

if [ "$(id -u)" != 0 ]; then
  echo "harness: NOT RUN: it needs root (it builds a disposable sshd, accounts and an nftables table); CI runs it as root" >&2
  exit 1
fi
[ -x "$triage" ] || { echo "harness: no triage binary at $triage (cargo build first)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "harness: python3 is needed to read the JSON reports" >&2; exit 1; }

case $kb in */*) kb=$(cd "$kb" && pwd) ;; esac
unlisted_faults=" $("$sandbox" unlisted | xargs) "
if [ "${#faults[@]}" = 0 ]; then
  while read -r cause variants; do
    if [ -z "$variants" ]; then faults+=("$cause"); continue; fi
    for v in $(tr -d ' ' <<<"${variants#variants:}" | tr ',' ' '); do faults+=("$cause:$v"); done
  done < <("$sandbox" causes | sed 's/  variants: / variants:/')
  for f in $unlisted_faults; do faults+=("$f"); done
fi

work=$(mktemp -d /tmp/triage-ssh-harness.XXXXXX)
chmod 755 "$work"
cleanup() { "$sandbox" down >/dev/null 2>&1 || echo "harness: sandbox.sh down failed" >&2; rm -rf "$work"; }
trap cleanup EXIT

"$sandbox" up >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; echo "harness: sandbox.sh up failed" >&2; exit 1; }
"$triage" collect --kb "$kb" --where client --shell bash -o "$work/collect-client.sh"
"$triage" collect --kb "$kb" --where server --shell bash -o "$work/collect-server.sh"
chmod 644 "$work"/*.sh

# json FILE EXPRESSION: evaluates a Python expression over the JSON document `d`.
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
server_env() { "$sandbox" env server; "$sandbox" env client | grep -E '^(export )?SSH_(TARGET|CHECK_AS)' || true; }

# login_works CAUSE: the login the fault broke works again. A key login, but for
# password_auth_disabled, whose user has no key and whose fix allows passwords for that user:
# a password login (the sandbox's askpass gives the password).
login_works() {
  if [ "$1" != password_auth_disabled ]; then
    "$sandbox" login >/dev/null 2>&1
    return
  fi
  local home out
  home=$(getent passwd testclient | cut -d: -f6)
  out=$("$sandbox" as-client env SSH_ASKPASS="$home/.ssh/askpass" SSH_ASKPASS_REQUIRE=force \
    ssh -o BatchMode=no -o PubkeyAuthentication=no -o PreferredAuthentications=password \
    -o NumberOfPasswordPrompts=1 -o ConnectTimeout=5 -p 2222 testuser@127.0.0.1 'echo password-ok' \
    </dev/null 2>&1) || return 1
  [ "$out" = password-ok ]
}

failed=0
done_faults=()
declare -A outcome
: >"$work/cases.yaml"
for fault in "${faults[@]}"; do
  cause=${fault%%:*}
  variant=
  [ "$fault" != "$cause" ] && variant=${fault#*:}
  id=${fault//:/-}
  unlisted=0
  [[ $unlisted_faults == *" $cause "* ]] && unlisted=1
  if ! "$sandbox" inject "$cause" ${variant:+"$variant"} >"$work/$id-inject.log" 2>&1; then
    outcome[$id]="inject failed: $(tail -1 "$work/$id-inject.log")"
    "$sandbox" restore >"$work/$id-restore.log" 2>&1 || outcome[$id]+="; restore failed"
    done_faults+=("$fault")
    failed=1
    continue
  fi
  broken=$("$sandbox" fingerprint | tail -1)
  "$sandbox" as-client bash "$work/collect-client.sh" >"$work/$id-client.json" 2>"$work/$id-client.err" || true
  (eval "$(server_env)"; bash "$work/collect-server.sh" >"$work/$id-server.json" 2>"$work/$id-server.err") || true

  # The plan for the side of the first fix, applied there; then the login; then the undo.
  # Not for an unlisted fault: no fix of the knowledge base is its.
  fix=- verify=- login=- exact=-
  [ $unlisted = 1 ] && fix="none (unlisted)" verify=n/a login=n/a exact=n/a
  if [ $unlisted = 0 ] && "$triage" plan --kb "$kb" --shell json "$work/$id-client.json" "$work/$id-server.json" >"$work/$id-plan.json" 2>/dev/null; then
    side=$(json "$work/$id-plan.json" "d['steps'][0].get('where', 'server')")
    fix=$(json "$work/$id-plan.json" "d['steps'][0]['fix']")
    "$triage" plan --kb "$kb" --shell bash --where "$side" "$work/$id-client.json" "$work/$id-server.json" -o "$work/$id-plan.sh"
    chmod 644 "$work/$id-plan.sh"
    state=$work/$id-state
    mkdir -p "$state"
    if [ "$side" = client ]; then
      chown testclient "$state"
      runner=("$sandbox" as-client bash)
    else
      runner=(bash)
    fi
    # verify: the fix's own verify step passed; the plan's exit code says whether it could
    # re-check the symptom (40: the fix took, but a non-interactive login cannot tell, as
    # when the server now offers passwords; the login check below decides then).
    rc=0
    (eval "$(server_env)"; "${runner[@]}" "$work/$id-plan.sh" --apply --state "$state" --log "$state/apply.log") >"$work/$id-apply.out" 2>&1 || rc=$?
    if grep -q "fix 1/[0-9]* $fix verify exited 0" "$state/apply.log" 2>/dev/null; then verify=yes; else verify=no; fi
    [ "$rc" = 0 ] || verify="$verify (plan exit $rc)"
    if login_works "$cause"; then login=yes; else login=no; fi
    if [ -s "$state/took" ]; then
      (eval "$(server_env)"; "${runner[@]}" "$work/$id-plan.sh" --undo "$state" --log "$state/undo.log") >"$work/$id-undo.out" 2>&1 || true
      if [ "$("$sandbox" fingerprint | tail -1)" = "$broken" ]; then exact=yes; else exact=no; fi
    fi
  fi
  "$sandbox" restore >"$work/$id-restore.log" 2>&1 || { outcome[$id]="restore failed; "; failed=1; }

  outcome[$id]="${outcome[$id]:-}fix $fix: verify $verify, login $login, undo exact $exact"
  if [ $unlisted = 0 ] && { [ "${verify%% *}" != yes ] || [ "$login" != yes ] || [ "$exact" != yes ]; }; then failed=1; fi
  done_faults+=("$fault")
  for form in all client-only; do
    facts=$work/$id-client.json
    [ "$form" = all ] && facts="$work/$id-client.json $work/$id-server.json"
    python3 - "$id" "$form" "$cause" "$unlisted" $facts >>"$work/cases.yaml" <<'PY'
import json, sys
ident, form, cause, unlisted, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5:]
facts = {}
for f in files:
    d = json.load(open(f))
    facts.update({k: v for k, v in d.items() if k not in ("host", "collected_at") and v is not None})
what = "a fault the knowledge base does not list" if unlisted else "Fault"
print(f"  - id: sandbox-{ident}-{form}")
print(f"    story: \"{what} {ident} injected in the sandbox sshd; facts from the generated collectors ({form.replace('-', ' ')})\"")
print(f"    tags: [sandbox, {form}{', unlisted' if unlisted else ''}]")
print(f"    facts: {json.dumps(facts, sort_keys=True)}")
print(f"    expected_top: {'null' if unlisted else cause}")
PY
  done
done

{ echo "# Observed on the disposable sshd by tests/ssh/harness.sh --cases: one fault at a time,"
  echo "# the facts the generated collectors gathered (every fact, and the client's only). The"
  echo "# faults tagged unlisted are not in the knowledge base: no listed cause should lead."
  echo "cases:"
  cat "$work/cases.yaml"; } >"$work/sandbox-cases.yaml"
"$triage" test --kb "$kb" --cases "$work/sandbox-cases.yaml" --format json >"$work/test.json" 2>"$work/test.err" || true
[ -s "$work/test.json" ] || { cat "$work/test.err" >&2; echo "harness: triage test gave no report" >&2; exit 1; }

# One line per fault from triage test's report, and the totals; "fail" lines for the harness.
python3 - "$work/test.json" "$unlisted_faults" "${done_faults[@]}" >"$work/table.txt" <<'PY'
import json, sys
report, unlisted, faults = json.load(open(sys.argv[1])), sys.argv[2].split(), sys.argv[3:]
by_id = {c["id"]: c for c in report["cases"]}
def top(c):
    return "unlisted" if c["unlisted_led"] else (c["top"][0]["cause"] if c["top"] else "none")
totals = {"all": [0, 0, 0], "client-only": [0, 0, 0], "unlisted": [0, 0, 0]}
for fault in faults:
    ident = fault.replace(":", "-")
    cause = fault.split(":")[0]
    a, c = by_id.get(f"sandbox-{ident}-all"), by_id.get(f"sandbox-{ident}-client-only")
    if a is None or c is None:
        print(f"row {ident} | not collected")
        continue
    if cause in unlisted:
        totals["unlisted"][0] += 1
        totals["unlisted"][1] += a["unlisted_led"]
        totals["unlisted"][2] += c["unlisted_led"]
        print(f"row {ident} | unlisted fault: all facts: top {top(a)} (unlisted {a['unlisted']:.0%}) | client only: top {top(c)} (unlisted {c['unlisted']:.0%})")
        if not a["unlisted_led"]:
            print(f"fail {ident}: the unlisted cause does not lead with every fact (top: {top(a)})")
        continue
    for form, case in (("all", a), ("client-only", c)):
        totals[form][0] += 1
        totals[form][1] += case["pass"]
        totals[form][2] += case["top3"]
    print(f"row {ident} | all facts: top {top(a)} (rank {a['rank']}) | client only: top {top(c)} (rank {c['rank']}, top-3 {'yes' if c['top3'] else 'no'})")
    if not a["pass"]:
        print(f"fail {ident}: not first with every fact (top: {top(a)})")
for form in ("all", "client-only"):
    n, p, t = totals[form]
    print(f"total {form} facts: top-1 {p} of {n}, top-3 {t} of {n}")
n, p, q = totals["unlisted"]
print(f"total unlisted faults: the unlisted cause leads with every fact in {p} of {n}, with the client's facts in {q} of {n}")
PY
while IFS= read -r line; do
  case $line in
    "row "*)
      line=${line#row }
      ident=${line%% |*}
      echo "$line | ${outcome[$ident]:-}" ;;
    "fail "*) echo "harness: ${line#fail }" >&2; failed=1 ;;
    *) echo "harness: $line" ;;
  esac
done <"$work/table.txt"
if [ -n "$cases_out" ]; then
  cp "$work/sandbox-cases.yaml" "$cases_out"
  echo "harness: wrote $(grep -c '^  - id:' "$work/cases.yaml") cases to $cases_out"
fi
if [ "$failed" != 0 ]; then
  echo "harness: FAILED (see the lines above; logs were in $work)" >&2
  trap - EXIT; "$sandbox" down >/dev/null 2>&1 || echo "harness: sandbox.sh down failed" >&2
  exit 1
fi
echo "harness: every listed fault ranked first with every fact, fixed by its plan and undone exactly; the unlisted cause led for every unlisted fault"
