#!/usr/bin/env bash
# The SSH knowledge base run for real: for every fault the sandbox can inject (sandbox.sh),
# collect the facts with the collectors `triage collect --kb ssh` generates (the client's as
# the client account, the server's as root), diagnose them, apply the bash plan for the side
# of the first fix, check that the login works, undo the plan and check that the broken state
# is back exactly (fingerprint), then restore the sandbox.
#
# Usage (root): tests/ssh/harness.sh [--triage PATH] [--cases FILE] [CAUSE[:VARIANT] ...]
#   --triage PATH  the triage binary (default: target/debug/triage)
#   --cases FILE   also write the observed fact sets as test cases (two per fault: every
#                  fact, and only the client's) to FILE
# Prints one line per fault and a summary; exits 1 when a fault is not ranked first with every
# fact, or its plan does not fix it, or the undo does not give the broken state back.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sandbox=$here/sandbox.sh
triage=$root/target/debug/triage
cases_out=
faults=()
while [ "$#" -gt 0 ]; do
  case $1 in
    --triage) triage=$2; shift ;;
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

if [ "${#faults[@]}" = 0 ]; then
  while read -r cause variants; do
    if [ -z "$variants" ]; then faults+=("$cause"); continue; fi
    for v in $(tr -d ' ' <<<"${variants#variants:}" | tr ',' ' '); do faults+=("$cause:$v"); done
  done < <("$sandbox" causes | sed 's/  variants: / variants:/')
fi

work=$(mktemp -d /tmp/triage-ssh-harness.XXXXXX)
chmod 755 "$work"
cleanup() { "$sandbox" down >/dev/null 2>&1 || echo "harness: sandbox.sh down failed" >&2; rm -rf "$work"; }
trap cleanup EXIT

"$sandbox" up >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; echo "harness: sandbox.sh up failed" >&2; exit 1; }
"$triage" collect --kb ssh --where client --shell bash -o "$work/collect-client.sh"
"$triage" collect --kb ssh --where server --shell bash -o "$work/collect-server.sh"
chmod 644 "$work"/*.sh

# json FILE EXPRESSION: evaluates a Python expression over the JSON document `d`.
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# rank FILE CAUSE: the cause's rank (1 = first) in a diagnosis, or - when it is not ranked.
rank() {
  json "$1" "next((i + 1 for i, c in enumerate(d['symptoms'][0]['causes']) if c['cause'] == '$2'), '-') if d.get('symptoms') else '-'"
}
top() { json "$1" "d['symptoms'][0]['causes'][0]['cause'] if d.get('symptoms') else 'no symptom'"; }
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
rows=()
: >"$work/cases.yaml"
for fault in "${faults[@]}"; do
  cause=${fault%%:*}
  variant=
  [ "$fault" != "$cause" ] && variant=${fault#*:}
  id=${fault//:/-}
  if ! "$sandbox" inject "$cause" ${variant:+"$variant"} >"$work/$id-inject.log" 2>&1; then
    rows+=("$fault | inject failed: $(tail -1 "$work/$id-inject.log")")
    failed=1
    continue
  fi
  broken=$("$sandbox" fingerprint | tail -1)
  "$sandbox" as-client bash "$work/collect-client.sh" >"$work/$id-client.json" 2>"$work/$id-client.err" || true
  (eval "$(server_env)"; bash "$work/collect-server.sh" >"$work/$id-server.json" 2>"$work/$id-server.err") || true
  "$triage" diagnose --kb ssh --format json "$work/$id-client.json" "$work/$id-server.json" >"$work/$id-all.json" 2>/dev/null || true
  "$triage" diagnose --kb ssh --format json "$work/$id-client.json" >"$work/$id-client-only.json" 2>/dev/null || true
  rank_all=$(rank "$work/$id-all.json" "$cause")
  rank_client=$(rank "$work/$id-client-only.json" "$cause")
  first=$(top "$work/$id-all.json")

  # The plan for the side of the first fix, applied there; then the login; then the undo.
  fix=- verify=- login=- exact=-
  if "$triage" plan --kb ssh --shell json "$work/$id-client.json" "$work/$id-server.json" >"$work/$id-plan.json" 2>/dev/null; then
    side=$(json "$work/$id-plan.json" "d['steps'][0].get('where', 'server')")
    fix=$(json "$work/$id-plan.json" "d['steps'][0]['fix']")
    "$triage" plan --kb ssh --shell bash --where "$side" "$work/$id-client.json" "$work/$id-server.json" -o "$work/$id-plan.sh"
    chmod 644 "$work/$id-plan.sh"
    state=$work/$id-state
    mkdir -p "$state"
    if [ "$side" = client ]; then
      chown testclient "$state"
      runner=("$sandbox" as-client bash)
    else
      runner=(bash)
    fi
    if (eval "$(server_env)"; "${runner[@]}" "$work/$id-plan.sh" --apply --state "$state" --log "$state/apply.log") >"$work/$id-apply.out" 2>&1; then
      verify=yes
    else
      verify="no (exit $?)"
    fi
    if login_works "$cause"; then login=yes; else login=no; fi
    if [ -s "$state/took" ]; then
      (eval "$(server_env)"; "${runner[@]}" "$work/$id-plan.sh" --undo "$state" --log "$state/undo.log") >"$work/$id-undo.out" 2>&1 || true
      if [ "$("$sandbox" fingerprint | tail -1)" = "$broken" ]; then exact=yes; else exact=no; fi
    fi
  fi
  "$sandbox" restore >"$work/$id-restore.log" 2>&1 || { rows+=("$fault | restore failed"); failed=1; }

  rows+=("$fault | top-1 all facts: $first (rank $rank_all) | client only: rank $rank_client | fix $fix: plan $verify, login $login, undo exact $exact")
  if [ "$rank_all" != 1 ] || [ "$login" != yes ] || [ "$exact" != yes ]; then failed=1; fi
  if [ -n "$cases_out" ]; then
    for form in all client-only; do
      facts=$work/$id-client.json
      [ "$form" = all ] && facts="$work/$id-client.json $work/$id-server.json"
      python3 - "$id" "$form" "$cause" $facts >>"$work/cases.yaml" <<'PY'
import json, sys
ident, form, cause, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
facts = {}
for f in files:
    d = json.load(open(f))
    facts.update({k: v for k, v in d.items() if k not in ("host", "collected_at") and v is not None})
print(f"  - id: sandbox-{ident}-{form}")
print(f"    story: \"Fault {ident} injected in the sandbox sshd; facts from the generated collectors ({form.replace('-', ' ')})\"")
print(f"    tags: [sandbox, {form}]")
print(f"    facts: {json.dumps(facts, sort_keys=True)}")
print(f"    expected_top: {cause}")
PY
    done
  fi
done

printf '%s\n' "${rows[@]}"
if [ -n "$cases_out" ]; then
  { echo "# Observed on the disposable sshd by tests/ssh/harness.sh --cases: one fault at a time,"
    echo "# the facts the generated collectors gathered (every fact, and the client's only)."
    echo "cases:"
    cat "$work/cases.yaml"; } >"$cases_out"
  echo "harness: wrote $(grep -c '^  - id:' "$work/cases.yaml") cases to $cases_out"
fi
if [ "$failed" != 0 ]; then
  echo "harness: FAILED (see the lines above; logs were in $work)" >&2
  exit 1
fi
echo "harness: every fault ranked first with every fact, fixed by its plan and undone exactly"
