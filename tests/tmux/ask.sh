#!/usr/bin/env bash
# Drives `triage ask` on a real terminal the way a person would: tmux runs it in a detached
# session of a fixed size, keys are sent (arrows, Enter, typed text, Esc, Ctrl-C) and the
# screen is captured after each step and checked. Exits non-zero, with the screen, on the first
# check that fails.
#
#   tests/tmux/ask.sh                       builds target/debug/triage if it is missing
#   TRIAGE_BIN=path/to/triage tests/tmux/ask.sh
#   ASK_TRANSCRIPT=/tmp/ask-session.txt tests/tmux/ask.sh    keep the full session's screen
#
# Needs bash, tmux (3.0 or newer) and the triage binary; runs in a scratch folder
# (ASK_WORKDIR, default a new temporary one) where the saved fact files are written.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${TRIAGE_BIN:-$root/target/debug/triage}
if [[ ! -x $bin ]]; then
  (cd "$root" && cargo build --quiet --bin triage)
fi
work=${ASK_WORKDIR:-$(mktemp -d)}
transcript=${ASK_TRANSCRIPT:-$work/ask-session.txt}
steps=$work/ask-steps.txt
: >"$steps"
# A private tmux server: nothing of the user's sessions is touched, and it all goes at the end.
# Each session gets a server of its own (start): a session's end stops its server, and a new
# session on the same socket could reach that server while it exits ("server exited
# unexpectedly", seen on a loaded machine).
sessions_started=0
socket=triage-ask-test-$$-0
session=ask
tmux_() { tmux -L "$socket" -f /dev/null "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true' EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- screen ---" >&2
  tmux_ capture-pane -p -J -t "$session" -S - >&2 || true
  exit 1
}

screen() { tmux_ capture-pane -p -J -t "$session"; }
# The screen and everything scrolled off it.
history() { tmux_ capture-pane -p -J -t "$session" -S -; }

# Whether the screen shows a text (captured first: `grep -q` ending a pipe early would make
# tmux fail with SIGPIPE, which pipefail reports).
shows() { grep -qF -- "$1" <<<"$(screen)"; }

# Waits until the screen shows the text (fixed string), up to 30 s (CI machines can be slow).
wait_for() {
  local text=$1
  for _ in $(seq 300); do
    if shows "$text"; then
      return 0
    fi
    sleep 0.1
  done
  fail "the screen never showed: $text"
}

# Waits until the text is gone from the screen, up to 30 s.
wait_gone() {
  for _ in $(seq 300); do
    if ! shows "$1"; then
      return 0
    fi
    sleep 0.1
  done
  fail "the screen still shows: $1"
}

# Checks that the screen shows, or does not show, a text right now.
expect() { shows "$1" || fail "expected on screen: $1"; }
expect_not() { ! shows "$1" || fail "not expected on screen: $1"; }

# Records the screen after a step.
step() {
  { echo "=== $1"; screen; echo; } >>"$steps"
}

keys() { tmux_ send-keys -t "$session" "$@"; }
type_text() { tmux_ send-keys -t "$session" -l -- "$1"; }

start() {
  sessions_started=$((sessions_started + 1))
  socket=triage-ask-test-$$-$sessions_started
  # After triage exits: its exit status, and whether the terminal is back in cooked mode
  # with echo (a prompt that crashed in raw mode would leave `-echo -icanon`).
  local after='echo "[exit status $?]"; stty -a | tr " ;" "\n\n" | grep -xE -- "-?(echo|icanon)" | tr "\n" " "; echo "[end]"; sleep 600'
  # history-limit applies to panes made after it is set: set it first, in the same server.
  tmux_ start-server \; set-option -g history-limit 50000 \; \
    new-session -d -s "$session" -x 100 -y 45 -c "$work" \
    "env -u TRIAGE_KB NO_COLOR=1 TERM=xterm-256color '$bin' $*; $after"
}

stop_session() { tmux_ kill-session -t "$session" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# Session 1: the 0x904 story, with a typed answer refused, back twice,
# then a confident cause, the guide, the plan written to a file, the facts saved, and Esc.
# ---------------------------------------------------------------------------------------------
# Support already knows the server's story (a fact file) but not yet what the dialog says: the
# message is the first question.
cp "$root/tests/tmux/facts-0x904-hardened.yaml" "$work/known.yaml"
start ask --facts known.yaml --confidence 0.9

wait_for "Which message do you see? (pick the closest)"
wait_for "Esc stops asking · Ctrl-C quits"
expect "No symptom known yet: the questions that tell them apart come first"
expect "Likely causes now:"
expect "Question 1 · Message shown by the Remote Desktop client · on the client, about 40s"
expect "> Remote Desktop can't connect to the remote computer"
expect "Esc stops asking · Ctrl-C quits"
step "question 1: a list of every message"

type_text "internal"
wait_for "(pick the closest) internal"
wait_gone "> Remote Desktop can't connect"
expect "> An internal error has occurred"
step "typed to filter the list"
keys Enter
wait_for "Likely causes after 1 answer:"
wait_for "Question 2 · Days until the Remote Desktop certificate expires"
wait_for "a whole number · ? don't know · back · Esc stops asking"
expect "what is the Expiration Date?"
expect_not "*Expiration Date*"
step "question 2: an int, typed"

type_text "soon"
keys Enter
wait_for 'expected a whole number such as 30'
step "a value that is not a number is refused in place, and Ctrl-U clears it"
keys C-u
type_text "200"
keys Enter
wait_for "Likely causes after 2 answers:"
wait_for "Question 3 · TLS 1.2 is enabled for the server side of Schannel"
wait_for "> Yes"
step "question 3: a yes/no list"

# A "don't know" here ends the questions (nothing left is worth its time): the lines-mode tests
# cover back over a don't know; here back undoes typed and chosen answers from a list.

type_text "back"
wait_for "> Back (undo the last answer)"
keys Enter
wait_for "Undone: Days until the Remote Desktop certificate expires"
wait_for "Question 2 · Days until the Remote Desktop certificate expires"
wait_for "? don't know · back · Esc stops asking"
step "back undoes the typed answer"

type_text "back"
keys Enter
wait_for "Undone: Message shown by the Remote Desktop client"
step "back in a text prompt undoes the first answer"

wait_for "> Remote Desktop can't connect to the remote computer"
type_text "internal"
wait_for "> An internal error has occurred"
keys Enter
wait_for "Question 2 · Days until the Remote Desktop certificate expires"
wait_for "? don't know · back · Esc stops asking"
type_text "200"
keys Enter
wait_for "Question 3 · TLS 1.2 is enabled for the server side of Schannel"
wait_for "> Yes"
keys Down
wait_for "> No"
keys Enter
wait_for "Question 4 · Schannel found no common cipher suite or raised a fatal alert"
wait_for "> Yes"
keys Enter
wait_for "Done: “TLS versions or cipher suites disabled by hardening” is"
wait_for "What next?"
expect "Repair order (expected time to resolution"
expect "Answers: error_message = internal_error; rdp_cert_days_to_expiry = 200; tls12_server_enabled = no; event_schannel_36874_36888 = yes"
step "confident: the summary and what next"

keys Enter
wait_for "Generated by triage"
wait_for "What next?"
grep -qF "Troubleshooting guide · tailored to the facts" <<<"$(history)" ||
  fail "no tailored guide"
step "the guide, tailored to the answers"

keys Down
wait_for "> Write the repair plan (a PowerShell script) to a file"
keys Enter
wait_for "Write to: triage-plan-rdp_0x904_0x7.ps1"
keys Enter
wait_for "Wrote the plan to triage-plan-rdp_0x904_0x7.ps1. It is a dry run unless given -Apply"
step "the plan, written to a file"
grep -q "Repair plan for: Remote Desktop fails with error code 0x904" "$work/triage-plan-rdp_0x904_0x7.ps1" ||
  fail "the plan file is not the plan for rdp_0x904_0x7"

wait_for "What next?"
keys Down Down
wait_for "> Save what was learned to a fact file"
keys Enter
wait_for "Save to: triage-rdp_0x904_0x7.json"
keys Enter
wait_for "Saved what was learned to triage-rdp_0x904_0x7.json."
step "the facts, saved"
[[ -s $work/triage-rdp_0x904_0x7.json ]] || fail "no fact file was written"
grep -q '"error_message": "internal_error"' "$work/triage-rdp_0x904_0x7.json" ||
  fail "the fact file lacks the answers: $(cat "$work/triage-rdp_0x904_0x7.json")"
grep -q '"recent_change"' "$work/triage-rdp_0x904_0x7.json" || fail "the fact file lacks the facts it started from"

wait_for "What next?"
keys Escape
wait_for "Later, with the saved facts:"
expect "triage plan triage-rdp_0x904_0x7.json --symptom rdp_0x904_0x7"
wait_for "[exit status 0]"
wait_for "[end]"
expect "icanon echo [end]"
step "quit: the terminal is back to normal"
tmux_ capture-pane -p -J -t "$session" -S - >"$transcript"
stop_session

# ---------------------------------------------------------------------------------------------
# Session 2: Ctrl-C in the middle leaves cleanly and offers to save.
# ---------------------------------------------------------------------------------------------
start ask --save interrupted.json
wait_for "Which message do you see? (pick the closest)"
type_text "internal"
wait_for "> An internal error has occurred"
keys Enter
wait_for "Question 2 ·"
step "session 2: one answer given"
keys C-c
wait_for "Interrupted."
wait_for "Save what was learned to a fact file before leaving?"
step "Ctrl-C offers to save"
type_text "y"
keys Enter
wait_for "Save to: interrupted.json"
keys Enter
wait_for "Saved what was learned to interrupted.json."
wait_for "[exit status 130]"
wait_for "[end]"
expect "icanon echo [end]"
expect_not "panicked"
step "saved, exit status 130, terminal restored"
grep -q '"error_message": "internal_error"' "$work/interrupted.json" ||
  fail "the fact file lacks the answer: $(cat "$work/interrupted.json")"
{ echo; echo "=== session 2 (Ctrl-C)"; tmux_ capture-pane -p -J -t "$session" -S -; } >>"$transcript"
stop_session

# ---------------------------------------------------------------------------------------------
# Session 3: a guide taller than the terminal goes through the pager (less -FRX), q leaves it.
# ---------------------------------------------------------------------------------------------
start guide 0x904 --full
wait_for "# Remote Desktop fails with error code 0x904, extended error code 0x7"
last_line=$(screen | sed '/^$/d' | tail -n 1)
[[ $last_line == ":" ]] || fail "no pager prompt on the last line: [$last_line]"
step "session 3: the full guide in the pager"
keys q
wait_for "[exit status 0]"
stop_session
# Text that fits the terminal is printed as it is, no pager.
start diagnose --fact error_code=0x904 --fact extended_error_code=0x7
wait_for "[exit status 0]"
expect "What next"
step "session 3: a diagnosis that fits is printed as it is"
stop_session

# The saved file is a fact file `triage diagnose` accepts, with the same leading cause.
first=$(cd "$work" && env -u TRIAGE_KB NO_COLOR=1 "$bin" diagnose triage-rdp_0x904_0x7.json |
  awk '/Likely causes/ { getline; print; exit }')
[[ $first == *"TLS versions or cipher suites disabled by hardening"* ]] ||
  { echo "FAIL: diagnose ranks first from the saved facts: $first" >&2; exit 1; }

echo "ok: ask on a terminal (screens after each step in $steps, transcript in $transcript)"
