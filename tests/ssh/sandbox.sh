#!/usr/bin/env bash
# tests/ssh/sandbox.sh — a disposable OpenSSH server on 127.0.0.1:2222 for the ssh knowledge
# base (shared/ssh/CATALOGUE.md, section 8): one fault at a time is injected for real, the
# catalogue's collectors (7.2) and fixes (6) run against it, `restore` puts everything back.
#
#   sandbox.sh up                  install missing packages, build the tree, accounts, start sshd
#   sandbox.sh down [--purge-packages]   remove everything up created (idempotent), verify
#   sandbox.sh inject CAUSE [VARIANT]    inject one fault (see `sandbox.sh causes`), or one the
#                                  knowledge base does not list (see `sandbox.sh unlisted`)
#   sandbox.sh restore             undo the current injection; fingerprint must equal the baseline
#   sandbox.sh fingerprint         stable text fingerprint of the sandbox state
#   sandbox.sh env client|server   `export VAR=value` lines for collectors / fixes on that side
#   sandbox.sh login [--all] [USER]  0 when testclient logs in non-interactively, else the error
#   sandbox.sh as-client CMD...    run CMD as testclient with the client environment
#   sandbox.sh status | causes | unlisted | selftest
#   sandbox.sh sshd-start|sshd-stop|sshd-reload   (what SSHD_START/STOP/RELOAD run)
#
# Runs as root on Debian 12 without systemd. Never touches /etc/ssh/sshd_config, /root/.ssh or
# port 22: the sandbox sshd has its own configuration, keys, PidFile and log (sshd -E).
# The client environment gives SSH_PASSWORD_ASKPASS, the askpass helper that prints
# testuser's password: the user knows the account's password (the collectors' password login).
set -euo pipefail
export LC_ALL=C
umask 022

SCRIPT=$(readlink -f "$0")
SB=/tmp/triage-ssh-sandbox
CFG=$SB/sshd_config
LOG=$SB/sshd.log
PIDFILE=$SB/sshd.pid
KEYS=$SB/hostkeys
PRIV=$SB/private
STATE=$SB/state
INJ=$SB/inject
HOMES=$SB/home
AUTHKEYS=$SB/authkeys
AGENTDIR=$SB/agent
CTMP=$SB/client-tmp
HOST=127.0.0.1
PORT=2222
ALT_PORT=2223
ALT_ADDR=127.0.0.2
TUSER=testuser
CUSER=testclient
MARK="triage ssh sandbox"
NFT_TABLE=triage_ssh_sandbox
SSHD=/usr/sbin/sshd
DEBIAN_SSHD_CONFIG=/usr/share/openssh/sshd_config
PACKAGES=(openssh-server openssh-client nftables)
RUN_ENTRIES=(sshd runit motd.dynamic motd.dynamic.new)   # what sshd, its packages and pam_motd create in /run
CONNECT_TIMEOUT=${SSH_CONNECT_TIMEOUT:-5}

CAUSES="sshd_not_running sshd_config_invalid sshd_port_changed sshd_listenaddress_restricted
firewall_blocks_ssh:drop|reject privsep_dir_missing maxstartups_exceeded authorized_key_missing
strictmodes_bad_permissions:home|authorized_keys password_auth_disabled root_login_refused
user_not_allowed account_expired_or_locked:expired|locked user_shell_nologin too_many_keys_offered
host_key_changed host_key_unknown_strict legacy_sha1_algorithm:hostkey|kex|userkey"
# Faults the knowledge base does not list (its unlisted share; CATALOGUE 4 and 3.11): a
# mistyped account name (testuser without its second t) and tcp wrappers refusing sshd
# (/etc/hosts.deny "sshd: ALL", in a mount namespace of the sandbox sshd's own).
UNLISTED="wrong_user_name tcp_wrappers_deny"
WRONG_USER=tesuser

die() { echo "sandbox: $*" >&2; exit 1; }
note() { echo "sandbox: $*" >&2; }
need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }
thome() { echo "$HOMES/$TUSER"; }
chome() { echo "$HOMES/$CUSER"; }

# ---------------------------------------------------------------- accounts and processes

# An account is the sandbox's when its GECOS is our marker and its home is inside the tree.
ours() {
  local e; e=$(getent passwd "$1") || return 1
  [ "$(cut -d: -f5 <<<"$e")" = "$MARK" ] && [[ $(cut -d: -f6 <<<"$e") == "$HOMES"/* ]]
}

stat_field() { # PID N -> field N of /proc/PID/stat, counted after the "(comm)" (N=1: state)
  local s; { read -r s < "/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }; awk -v n="$2" '{ print $n }' <<<"$s"
}
starttime() { stat_field "$1" 20; }
alive() { local st; st=$(stat_field "$1" 1) && [ "$st" != Z ] && [ "$st" != X ]; }   # zombies count as gone

record_pid() { # KIND PID: remembered for down/restore, with the start time against PID reuse
  local t; t=$(starttime "$2") || return 0
  mkdir -p "$STATE"; echo "$1 $2 $t" >> "$STATE/pids"
}
recorded_pids() { # [KIND] -> PIDs still alive with the recorded start time
  [ -f "$STATE/pids" ] || return 0
  local k p t
  while read -r k p t; do
    { [ -z "${1:-}" ] || [ "$k" = "$1" ]; } || continue
    [ "$(starttime "$p" 2>/dev/null)" = "$t" ] && alive "$p" && echo "$p"
  done < "$STATE/pids"
  return 0
}

ppid_map() { # "pid ppid" for every process
  local f s rest
  for f in /proc/[0-9]*/stat; do
    { read -r s < "$f"; } 2>/dev/null || continue
    rest=${s##*) }
    # shellcheck disable=SC2086
    set -- $rest
    printf '%s %s\n' "${s%% *}" "$2"
  done
}
with_descendants() { # PID... -> those PIDs and all their descendants
  [ $# -gt 0 ] || return 0
  ppid_map | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
    { par[$1] = $2; pid[++m] = $1 }
    END { do { c = 0; for (i = 1; i <= m; i++) { p = pid[i]; if (!(p in want) && (par[p] in want)) { want[p] = 1; c = 1 } } } while (c)
          for (p in want) if (p in par) print p }'
}
ancestors() { # the calling (sub)shell and every process above it: never killed
  local p=$BASHPID
  while [ -n "$p" ] && [ "$p" != 0 ]; do
    echo "$p"
    p=$(stat_field "$p" 2) || break
  done
}

listener_pid() { # the sandbox sshd named by its PidFile, if alive
  local p; p=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && alive "$p" && echo "$p"
}

# Every process that belongs to the sandbox: the listener and what it forked, recorded helpers
# (held connections, agents), anything running as the sandbox accounts, any sshd that has the
# sandbox log open (re-executed children reopen it: -E) or names the tree on its command line.
sandbox_pids() {
  local roots=() uids=() d p u l f c self
  p=$(listener_pid) && roots+=("$p")
  while read -r p; do [ -n "$p" ] && roots+=("$p"); done < <(recorded_pids)
  for u in "$TUSER" "$CUSER"; do ours "$u" && uids+=("$(id -u "$u")"); done
  [ -f "$STATE/uids" ] && while read -r u; do uids+=("$u"); done < "$STATE/uids"
  self=" $(ancestors | xargs) "
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [[ $self == *" $p "* ]] && continue
    u=$(stat -c %u "$d" 2>/dev/null) || continue
    if [ ${#uids[@]} -gt 0 ] && [[ " ${uids[*]} " == *" $u "* ]]; then roots+=("$p"); continue; fi
    c=$({ tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null || true)
    if [[ $c == *"$SB"* || $c == *triage-ssh-sandbox* ]]; then roots+=("$p"); continue; fi
    for f in "$d"/fd/*; do
      l=$(readlink "$f" 2>/dev/null) || continue
      case $l in "$SB"/*) roots+=("$p"); break ;; esac
    done
  done
  with_descendants "${roots[@]}" | grep -vxF -f <(ancestors) || true
}

kill_pids() { # PID...: TERM, then KILL what is left after 3 s
  [ $# -gt 0 ] || return 0
  local p i left
  kill -TERM "$@" 2>/dev/null || true
  for i in $(seq 1 60); do
    left=0; for p in "$@"; do alive "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.05
  done
  kill -KILL "$@" 2>/dev/null || true
  sleep 0.2
}

foreign_sshd() { # sshd processes that are not the sandbox's (the machine's own)
  local mine p
  mine=" $(sandbox_pids | xargs) "
  for p in $(pgrep -x sshd 2>/dev/null || true); do alive "$p" && [[ $mine != *" $p "* ]] && echo "$p"; done
  return 0
}

# ---------------------------------------------------------------- sshd control

listening_pid() { # PID -> 0 when PID holds a listening TCP socket
  ss -Hltnp 2>/dev/null | awk -v p="pid=$1," 'index($0, p) { f = 1 } END { exit !f }'
}
sshd_start() { # [WRAPPER...]: a command sshd is started under (tcp_wrappers_deny's namespace)
  local p rc=0 i
  p=$(cat "$PIDFILE" 2>/dev/null || true)
  [ -n "$p" ] && ! listener_pid >/dev/null && rm -f "$PIDFILE"
  listener_pid >/dev/null && { note "sshd already runs (pid $(listener_pid))"; return 0; }
  "$@" "$SSHD" -f "$CFG" -E "$LOG" || rc=$?
  [ $rc = 0 ] || { note "sshd did not start (exit $rc): $(tail -n 2 "$LOG" | tr '\n' ' ')"; return $rc; }
  for i in $(seq 1 100); do
    if p=$(listener_pid) && listening_pid "$p"; then record_pid sshd "$p"; return 0; fi
    sleep 0.05
  done
  note "sshd started but is not listening: $(tail -n 2 "$LOG" | tr '\n' ' ')"; return 1
}
sshd_stop() { # TERM the listener only (like Debian's KillMode=process)
  local p i
  p=$(listener_pid) || return 0
  kill -TERM "$p"
  for i in $(seq 1 100); do alive "$p" || break; sleep 0.02; done
  alive "$p" && kill -KILL "$p" 2>/dev/null && sleep 0.2
  rm -f "$PIDFILE"
  return 0
}
sshd_reload() { # SIGHUP: sshd re-executes itself onto the configuration (exits if it is broken)
  local p i
  p=$(listener_pid) || { note "sshd not running"; return 1; }
  kill -HUP "$p"; sleep 0.3
  for i in $(seq 1 100); do
    alive "$p" || { note "sshd exited on reload: $(tail -n 2 "$LOG" | tr '\n' ' ')"; return 1; }
    listening_pid "$p" && return 0
    sleep 0.05
  done
  note "sshd not listening after reload"; return 1
}
sshd_stop_tree() { # the listener and everything it forked (pre-auth children, sessions)
  local p pids
  if p=$(listener_pid); then
    mapfile -t pids < <(with_descendants "$p")
    kill_pids "${pids[@]}"
    rm -f "$PIDFILE"
  fi
  mapfile -t pids < <(sandbox_sshd_orphans)
  kill_pids "${pids[@]}"
}
sandbox_sshd_orphans() { # sshd processes holding the sandbox log (children of a former listener)
  local d f l
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = sshd ] || continue
    for f in "$d"/fd/*; do
      l=$(readlink "$f" 2>/dev/null) || continue
      [ "$l" = "$LOG" ] && { echo "${d#/proc/}"; break; }
    done
  done
}
sshd_restart() { sshd_stop; sshd_start; }
wait_listen() { # ADDR PORT -> wait until sshd listens there
  local i
  for i in $(seq 1 100); do
    ss -Hltnp "sport = :$2" 2>/dev/null | awk -v a="$1:$2" '$4 == a && /"sshd"/ { f = 1 } END { exit !f }' && return 0
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------- client side

client_env() { # VAR=value lines of the client environment (also used by as-client)
  local sock
  echo "SSH_TARGET_HOST=$HOST"
  echo "SSH_TARGET_PORT=$PORT"
  echo "SSH_TARGET_USER=$(target_user)"
  echo "SSH_CONNECT_TIMEOUT=$CONNECT_TIMEOUT"
  echo "SSH_CHECK_AS=$CUSER"
  echo "SSH_IDENTITY_FILE=$(chome)/.ssh/id_ed25519"
  echo "SSH_EXPECTED_HOST_KEY_FP=$(ssh-keygen -lf "$KEYS/ssh_host_ed25519_key.pub" | awk '{ print $2 }')"
  echo "TRIAGE_STATE_DIR=$CTMP/triage-state"
  echo "SSH_PASSWORD_ASKPASS=$(chome)/.ssh/askpass"
  if sock=$(cat "$INJ/agent_sock" 2>/dev/null); then echo "SSH_AUTH_SOCK=$sock"; fi
}
server_env() {
  echo "SSH_TARGET_HOST=$HOST"
  echo "SSH_TARGET_PORT=$PORT"
  echo "SSH_TARGET_USER=$(target_user)"
  echo "SSHD_CONFIG=$CFG"
  echo "SSHD_LOG=$LOG"
  echo "SSHD_START=$SCRIPT sshd-start"
  echo "SSHD_STOP=$SCRIPT sshd-stop"
  echo "SSHD_RELOAD=$SCRIPT sshd-reload"
  echo "SSH_CLIENT_ADDR=$HOST"
  echo "SSH_CLIENT_KEY_FP=$(cat "$STATE/client_key_fp")"
  echo "SSH_CLIENT_PUBKEY=$(cat "$STATE/client_pubkey")"
  echo "SSH_LOGIN_SHELL=/bin/bash"
  echo "SSHD_MAXSTARTUPS=10:30:100"
  echo "TRIAGE_STATE_DIR=$SB/triage-state"
}
target_user() { cat "$INJ/target_user" 2>/dev/null || echo "$TUSER"; }

run_as_client() { # CMD... as testclient: clean environment, HOME = its home, cwd = its home
  ( cd "$(chome)" && exec setpriv --reuid="$CUSER" --regid="$CUSER" --init-groups --reset-env -- env TMPDIR="$CTMP" "$@" )
}
as_client() {
  local envs=()
  mapfile -t envs < <(client_env)
  run_as_client env "${envs[@]}" "$@"
}
client_ssh() { # USER CMD... -> a non-interactive attempt as testclient, output on stdout
  local u=$1; shift
  run_as_client ssh -o BatchMode=yes -o ConnectTimeout="$CONNECT_TIMEOUT" -p "$PORT" "$u@$HOST" "$@" </dev/null 2>&1 | tr -d '\r'
}
classify() { # ssh output (stdin), exit code -> the catalogue's ssh_client_error value
  local o; o=$(cat)
  if   [ "$1" = 0 ]; then echo ok
  elif grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' <<<"$o"; then echo host_key_changed
  elif grep -q 'Host key verification failed' <<<"$o"; then echo host_key_unknown
  elif grep -q 'Too many authentication failures' <<<"$o"; then echo too_many_auth_failures
  elif grep -qE 'no matching [a-zA-Z ]+ found' <<<"$o"; then echo no_matching_algorithm
  elif grep -q 'Permission denied (' <<<"$o"; then echo permission_denied
  elif grep -qE 'connect to host .*: Connection refused' <<<"$o"; then echo connection_refused
  elif grep -qE 'connect to host .*: (Connection|Operation) timed out' <<<"$o"; then echo connection_timed_out
  elif grep -qE 'kex_exchange_identification|Connection timed out during banner exchange' <<<"$o"; then echo kex_closed
  elif grep -q 'This account is currently not available' <<<"$o"; then echo account_not_available
  elif grep -qE 'Connection (closed|reset) by|Broken pipe' <<<"$o"; then echo connection_closed
  else echo other; fi
}
cmd_login() {
  local all=0 u out rc=0
  [ "${1:-}" = --all ] && { all=1; shift; }
  u=${1:-$(target_user)}
  out=$(client_ssh "$u" true) || rc=$?
  if [ $rc = 0 ]; then echo "login ok: $CUSER -> $u@$HOST:$PORT"; return 0; fi
  if [ $all = 1 ]; then printf '%s\n' "$out"
  else echo "login failed (ssh exit $rc): $(grep -v '^[[:space:]]*$' <<<"$out" | tail -n 1)"; fi
  return 1
}

# ---------------------------------------------------------------- fingerprint

listeners() { # addr:port process, for 127.0.0.1/127.0.0.2 ports 2222-2223
  ss -Hltnp 2>/dev/null | awk '
    { proc = "-"; if (match($0, /users:\(\("[^"]+"/)) proc = substr($0, RSTART + 9, RLENGTH - 10)
      if ($4 ~ /^127\.0\.0\.[12]:222[23]$/) print $4, proc }' | sort -u
}
fp_line() { printf '%-22s %s %s\n' "$1" "$(sha256sum | cut -c1-64)" "${2:-}"; }
home_tree() {
  ( cd "$1" 2>/dev/null || { echo missing; exit 0; }
    find . -printf '%p %y %u %g %m %l\n' | sort
    find . -type f -print0 | sort -z | xargs -0 -r sha256sum )
}
fingerprint() {
  local u f l
  { stat -c '%a %U %G' "$CFG"; cat "$CFG"; true; } 2>&1 | fp_line sshd_config
  { for f in "$KEYS"/*; do stat -c '%n %a %U %G' "$f"; sha256sum < "$f"; done; true; } 2>&1 | fp_line host_keys
  { stat -c '%n %a %U %G' "$AUTHKEYS" "$AUTHKEYS"/*; cat "$AUTHKEYS"/*; true; } 2>&1 | fp_line root_authorized_keys
  for u in "$TUSER" "$CUSER"; do
    { getent passwd "$u"; getent shadow "$u"; getent group "$u"; grep "^$u:" /etc/gshadow; id -Gn "$u"; true; } 2>&1 | fp_line "account_$u"
    home_tree "$HOMES/$u" | fp_line "home_$u"
  done
  { nft list table inet "$NFT_TABLE" 2>/dev/null || echo absent; } | fp_line nft_table "$(nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && echo present || echo absent)"
  l=$(listeners | tr '\n' ' '); printf '%s\n' "$l" | fp_line listeners "${l:-none}"
  l=$(ss -Hltn 'sport = :22' 2>/dev/null | wc -l); echo "$l" | fp_line port22_listeners "$l"
  l=$(stat -c '%a %U %G' /run/sshd 2>/dev/null || echo absent); echo "$l" | fp_line run_sshd "${l// /:}"
  { "$SSHD" -T -f "$CFG" -C "user=$TUSER,host=localhost,addr=$HOST,laddr=$HOST,lport=$PORT" 2>&1 || echo "sshd -T failed"; } | fp_line sshd_effective
  l=$(for f in holder agent; do if [ -n "$(recorded_pids "$f")" ]; then echo "$f"; fi; done | xargs); echo "$l" | fp_line helpers "${l:-none}"
}
fingerprint_total() { local f; f=$(fingerprint); printf '%s\n' "$f"; printf '%s\n' "$f" | fp_line TOTAL; }

# ---------------------------------------------------------------- up

pkg_installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]; }
install_packages() {
  local missing=() p rc=0 own_policy=0
  for p in "${PACKAGES[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  : > "$STATE/packages-added"; : > "$STATE/accounts-added-by-packages"
  [ ${#missing[@]} -gt 0 ] || return 0
  # the distribution's ssh.service must never start (it would listen on 0.0.0.0:22)
  if [ -e /usr/sbin/policy-rc.d ]; then
    /usr/sbin/policy-rc.d ssh start >/dev/null 2>&1 || rc=$?
    [ $rc = 101 ] || die "/usr/sbin/policy-rc.d exists and allows service starts; refusing to install ${missing[*]}"
  else
    printf '#!/bin/sh\n# temporary, tests/ssh/sandbox.sh: no service starts while installing\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d; own_policy=1
  fi
  dpkg-query -W -f='${Package}\n' | sort > "$STATE/dpkg-before"
  getent passwd | cut -d: -f1 | sort > "$STATE/accounts-before"
  note "installing ${missing[*]}"
  rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } > "$STATE/apt.log" 2>&1 || rc=$?
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  dpkg-query -W -f='${Package}\n' | sort | comm -13 "$STATE/dpkg-before" - > "$STATE/packages-added"
  getent passwd | cut -d: -f1 | sort | comm -13 "$STATE/accounts-before" - > "$STATE/accounts-added-by-packages"
  [ $rc = 0 ] || die "apt-get failed (see $STATE/apt.log); run: $0 down"
  note "installed: $(xargs < "$STATE/packages-added")"
}

write_base_config() {
  [ -r "$DEBIAN_SSHD_CONFIG" ] || die "$DEBIAN_SSHD_CONFIG missing (openssh-server not installed?)"
  {
    echo "# triage ssh sandbox (tests/ssh/sandbox.sh): Debian 12's default sshd_config"
    echo "# ($DEBIAN_SSHD_CONFIG, without its Include line), plus these sandbox settings."
    echo "Port $PORT"
    echo "ListenAddress $HOST"
    echo "HostKey $KEYS/ssh_host_rsa_key"
    echo "HostKey $KEYS/ssh_host_ecdsa_key"
    echo "HostKey $KEYS/ssh_host_ed25519_key"
    echo "PidFile $PIDFILE"
    echo "LogLevel INFO"
    echo
    grep -v '^Include /etc/ssh/sshd_config\.d/' "$DEBIAN_SSHD_CONFIG"
    echo
    echo "# root may log in only with the key the sandbox serves, forced to /bin/true (/root/.ssh is never read)"
    echo "Match User root"
    printf '\tAuthorizedKeysFile none\n'
    printf '\tAuthorizedKeysCommand /bin/cat %s/root\n' "$AUTHKEYS"
    printf '\tAuthorizedKeysCommandUser nobody\n'
  } > "$CFG"
  chmod 0644 "$CFG"
}

host_keys() { # generate the three host keys into DIR
  local t
  for t in rsa ecdsa ed25519; do
    rm -f "$1/ssh_host_${t}_key" "$1/ssh_host_${t}_key.pub"
    ssh-keygen -q -t "$t" -N '' -C "triage-ssh-sandbox-host" -f "$1/ssh_host_${t}_key"
  done
}
known_hosts_lines() { local f p; for p in "$PORT" "$ALT_PORT"; do for f in "$KEYS"/*.pub; do echo "[$HOST]:$p $(cut -d' ' -f1,2 "$f")"; done; done; }

cmd_up() {
  need_root
  local u pw pid p22
  for u in "$TUSER" "$CUSER"; do getent passwd "$u" >/dev/null && die "account $u already exists; refusing (run: $0 down, if it is the sandbox's)"; done
  getent group "$TUSER" >/dev/null && die "group $TUSER already exists; refusing"
  getent group "$CUSER" >/dev/null && die "group $CUSER already exists; refusing"
  [ -e "$SB" ] && die "$SB exists; run: $0 down"
  [ -n "$(listeners)" ] && die "something already listens on 127.0.0.1/127.0.0.2:2222-2223: $(listeners | xargs)"
  nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && die "nft table inet $NFT_TABLE exists; run: $0 down"
  trap 'rc=$?; [ $rc = 0 ] || note "up failed (exit $rc); run: $0 down"' EXIT

  install -d -m 0755 "$SB" "$HOMES" "$AUTHKEYS"
  install -d -m 0700 "$STATE" "$PRIV" "$KEYS"
  ls -A /run > "$STATE/run-before"
  p22=$(ss -Hltn 'sport = :22' | wc -l)
  install_packages
  [ "$(ss -Hltn 'sport = :22' | wc -l)" -le "$p22" ] || die "a daemon now listens on port 22 after the package installation: stop it by hand"
  if [ ! -d /run/sshd ]; then install -d -m 0755 -o root -g root /run/sshd; echo "created by up" > "$STATE/run-sshd-created"; fi

  host_keys "$KEYS"
  write_base_config

  for u in "$TUSER" "$CUSER"; do
    useradd --comment "$MARK" --home-dir "$HOMES/$u" --create-home --shell /bin/bash --user-group "$u"
    id -u "$u" >> "$STATE/uids"
  done
  pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s:%s\n' "$TUSER" "$pw" | chpasswd
  ( umask 077; printf '%s\n' "$pw" > "$PRIV/$TUSER.password" )

  # testclient: two key pairs, a known_hosts that trusts the sandbox, an askpass helper
  install -d -m 0700 -o "$CUSER" -g "$CUSER" "$(chome)/.ssh" "$CTMP"
  run_as_client ssh-keygen -q -t rsa -b 3072 -N '' -C "$CUSER@triage-ssh-sandbox" -f "$(chome)/.ssh/id_rsa"
  run_as_client ssh-keygen -q -t ed25519 -N '' -C "$CUSER@triage-ssh-sandbox" -f "$(chome)/.ssh/id_ed25519"
  known_hosts_lines > "$(chome)/.ssh/known_hosts"
  install -m 0600 -o "$CUSER" -g "$CUSER" "$PRIV/$TUSER.password" "$(chome)/.ssh/$TUSER.password"
  printf '#!/bin/sh\nexec cat %s\n' "$(chome)/.ssh/$TUSER.password" > "$(chome)/.ssh/askpass"
  chown "$CUSER:$CUSER" "$(chome)/.ssh/known_hosts" "$(chome)/.ssh/askpass"
  chmod 0644 "$(chome)/.ssh/known_hosts"; chmod 0700 "$(chome)/.ssh/askpass"
  ssh-keygen -lf "$(chome)/.ssh/id_ed25519.pub" | awk '{ print $2 }' > "$STATE/fp.tmp"
  ssh-keygen -lf "$(chome)/.ssh/id_rsa.pub" | awk '{ print $2 }' >> "$STATE/fp.tmp"
  xargs < "$STATE/fp.tmp" > "$STATE/client_key_fp"; rm -f "$STATE/fp.tmp"
  cat "$(chome)/.ssh/id_ed25519.pub" > "$STATE/client_pubkey"

  # testuser: the client's keys authorised; root: the same keys, served by the sandbox, forced to /bin/true
  install -d -m 0700 -o "$TUSER" -g "$TUSER" "$(thome)/.ssh"
  cat "$(chome)/.ssh/id_ed25519.pub" "$(chome)/.ssh/id_rsa.pub" > "$(thome)/.ssh/authorized_keys"
  chown "$TUSER:$TUSER" "$(thome)/.ssh/authorized_keys"; chmod 0600 "$(thome)/.ssh/authorized_keys"
  sed 's/^/restrict,command="\/bin\/true" /' "$(chome)/.ssh/id_ed25519.pub" "$(chome)/.ssh/id_rsa.pub" > "$AUTHKEYS/root"
  chmod 0644 "$AUTHKEYS/root"
  touch "$LOG"; chmod 0600 "$LOG"

  "$SSHD" -t -f "$CFG" || die "sshd -t rejects the sandbox configuration"
  sshd_start || die "sshd did not start"
  pid=$(listener_pid)
  check_logins
  trap - EXIT
  fingerprint_total > "$STATE/baseline.fp"
  note "up: sshd pid $pid on $HOST:$PORT; baseline fingerprint $(tail -n 1 "$STATE/baseline.fp" | awk '{ print $2 }')"
}

check_logins() {
  local out rc=0
  out=$(client_ssh "$TUSER" 'echo key-ok') || rc=$?
  if [ $rc != 0 ] || [ "$out" != key-ok ]; then die "key login as $TUSER failed: $out"; fi
  rc=0; out=$(run_as_client env SSH_ASKPASS="$(chome)/.ssh/askpass" SSH_ASKPASS_REQUIRE=force \
        ssh -o BatchMode=no -o PubkeyAuthentication=no -o PreferredAuthentications=password \
            -o NumberOfPasswordPrompts=1 -o ConnectTimeout="$CONNECT_TIMEOUT" -p "$PORT" "$TUSER@$HOST" 'echo password-ok' </dev/null 2>&1) || rc=$?
  if [ $rc != 0 ] || [ "$out" != password-ok ]; then die "password login as $TUSER failed: $out"; fi
  rc=0; out=$(client_ssh root 'echo must-not-run') || rc=$?
  if [ $rc != 0 ] || [ -n "$out" ]; then die "root key login (forced /bin/true) failed: $out"; fi
  note "key login, password login and root key login (forced /bin/true) work"
}

# ---------------------------------------------------------------- down

cmd_down() {
  need_root
  local purge=0 u pids=() e pk=() acc=() problems=() p found=0
  [ "${1:-}" = --purge-packages ] && purge=1
  [ -f "$STATE/packages-added" ] && mapfile -t pk < <(grep . "$STATE/packages-added" || true)
  [ -f "$STATE/accounts-added-by-packages" ] && mapfile -t acc < <(grep . "$STATE/accounts-added-by-packages" || true)

  nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && nft delete table inet "$NFT_TABLE"
  sshd_stop_tree 2>/dev/null || true
  mapfile -t pids < <(sandbox_pids)
  [ ${#pids[@]} -gt 0 ] && found=1
  kill_pids "${pids[@]}"

  for u in "$CUSER" "$TUSER"; do
    if ours "$u"; then
      found=1
      userdel -r "$u" >/dev/null 2>&1 || userdel "$u" || problems+=("userdel $u failed")
      getent group "$u" >/dev/null && [ -z "$(getent group "$u" | cut -d: -f4)" ] && groupdel "$u"
    elif getent passwd "$u" >/dev/null; then note "account $u exists but is not the sandbox's: left alone"; fi
  done

  if [ -f "$STATE/run-before" ]; then
    for e in "${RUN_ENTRIES[@]}"; do
      grep -qxF "$e" "$STATE/run-before" && continue
      [ -e "/run/$e" ] || continue
      if [ "$e" = sshd ] && [ -n "$(foreign_sshd)" ]; then note "/run/sshd kept: another sshd runs"; continue; fi
      rm -rf "/run/${e:?}"
    done
  elif [ $found = 1 ]; then
    for e in "${RUN_ENTRIES[@]}"; do
      [ -e "/run/$e" ] && note "note: the sandbox state is gone; /run/$e may be the sandbox's (or the machine's): not removed"
    done
  fi

  if [ $purge = 1 ] && [ ${#pk[@]} -gt 0 ]; then
    note "purging ${pk[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${pk[@]}" >/dev/null 2>&1 || problems+=("apt-get purge ${pk[*]} failed")
    for u in "${acc[@]}"; do
      e=$(getent passwd "$u" | cut -d: -f7) || continue
      case $e in */nologin|*/false) userdel "$u" 2>/dev/null || problems+=("userdel $u (created by the packages) failed") ;; esac
    done
  elif [ ${#pk[@]} -gt 0 ]; then
    note "packages installed by up are kept: ${pk[*]} (down --purge-packages removes them)"
  fi

  rm -rf "${SB:?}"

  # verify: the machine is as found
  for u in "$TUSER" "$CUSER"; do
    ours "$u" && problems+=("account $u still exists")
    [[ $(getent passwd "$u" || true) == *"$MARK"* ]] && problems+=("account $u still exists")
  done
  nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && problems+=("nft table inet $NFT_TABLE still exists")
  p=$(for e in $(pgrep -f -- "$SB" 2>/dev/null || true); do grep -qxF "$e" <(ancestors) || echo "$e"; done | xargs)
  [ -n "$p" ] && problems+=("sandbox processes still run: $p")
  [ -n "$(listeners)" ] && problems+=("listeners remain: $(listeners | xargs)")
  [ -e "$SB" ] && problems+=("$SB still exists")
  if [ $purge = 1 ]; then for e in "${pk[@]}"; do pkg_installed "$e" && problems+=("package $e still installed"); done; fi
  if [ ${#problems[@]} -gt 0 ]; then printf 'sandbox: down: NOT as found: %s\n' "${problems[@]}" >&2; exit 1; fi
  note "down: no sandbox accounts, nft table, processes, listeners or tree left"
}

# ---------------------------------------------------------------- inject / restore

save_path() { # NAME PATH: copy (owner, mode, times) or record absence; restore puts it back
  mkdir -p "$INJ/files"
  grep -q "^$1 " "$INJ/saved" 2>/dev/null && return 0
  if [ -e "$2" ] || [ -L "$2" ]; then cp -a "$2" "$INJ/files/$1"; else : > "$INJ/files/$1.absent"; fi
  echo "$1 $2" >> "$INJ/saved"
}
save_mode() { stat -c '%a %U %G %n' "$1" >> "$INJ/modes"; }
save_account() { grep -q "^$1 " "$INJ/accounts" 2>/dev/null || echo "$1 $(getent passwd "$1" | cut -d: -f7) $(getent shadow "$1")" >> "$INJ/accounts"; }

cfg_after() { # ERE LINE: insert LINE after the first line matching ERE
  grep -qE "$1" "$CFG" || die "sshd_config has no line matching $1"
  awk -v pat="$1" -v line="$2" '{ print } !d && $0 ~ pat { print line; d = 1 }' "$CFG" > "$CFG.tmp"
  cat "$CFG.tmp" > "$CFG"; rm -f "$CFG.tmp"
}
cfg_replace() { # OLD NEW (whole lines)
  grep -qxF "$1" "$CFG" || die "sshd_config has no line '$1'"
  awk -v old="$1" -v new="$2" '!d && $0 == old { print new; d = 1; next } { print }' "$CFG" > "$CFG.tmp"
  cat "$CFG.tmp" > "$CFG"; rm -f "$CFG.tmp"
}
edit_config() { save_path sshd_config "$CFG"; "$@"; }
client_config() { # TEXT: testclient's ~/.ssh/config (saved first)
  local f; f=$(chome)/.ssh/config
  save_path client_config "$f"
  printf '%s' "$1" > "$f"; chown "$CUSER:$CUSER" "$f"; chmod 0600 "$f"
}
save_client_side() { # what the client-side fixes touch
  save_path client_config "$(chome)/.ssh/config"
  save_path known_hosts "$(chome)/.ssh/known_hosts"
  save_path known_hosts_old "$(chome)/.ssh/known_hosts.old"
}

start_holder() { # keep two unauthenticated connections open (renewed before LoginGraceTime)
  local pid i n
  # shellcheck disable=SC2016  # expanded by the holder's own bash
  setsid bash -c 'while :; do exec 3<>"/dev/tcp/$1/$2" 4<>"/dev/tcp/$1/$2"; sleep 100 & wait $!; exec 3<&- 4<&-; done' \
    triage-ssh-sandbox-holder "$HOST" "$PORT" </dev/null >/dev/null 2>&1 &
  pid=$!
  sleep 0.1; record_pid holder "$pid"
  for i in $(seq 1 60); do
    n=$(ss -Htn state established "( dport = :$PORT )" 2>/dev/null | wc -l)
    [ "$n" -ge 2 ] && { sleep 0.2; return 0; }
    sleep 0.05
  done
  die "the held connections did not open"
}
start_agent() { # ssh-agent (as testclient) with six keys the server does not know
  local i out pid sock=$AGENTDIR/agent.sock
  install -d -m 0700 -o "$CUSER" -g "$CUSER" "$AGENTDIR"
  echo "created" > "$INJ/agentdir"
  for i in 1 2 3 4 5 6; do run_as_client ssh-keygen -q -t ed25519 -N '' -C "unauthorised-$i" -f "$AGENTDIR/key$i"; done
  out=$(run_as_client ssh-agent -s -a "$sock")
  pid=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' <<<"$out")
  [ -n "$pid" ] || die "ssh-agent did not start: $out"
  record_pid agent "$pid"
  run_as_client env SSH_AUTH_SOCK="$sock" ssh-add -q "$AGENTDIR"/key1 "$AGENTDIR"/key2 "$AGENTDIR"/key3 "$AGENTDIR"/key4 "$AGENTDIR"/key5 "$AGENTDIR"/key6 2>/dev/null
  echo "$sock" > "$INJ/agent_sock"
}

cmd_inject() {
  need_root
  local cause=${1:-} variant=${2:-} def vs
  [ -n "$cause" ] || die "usage: inject CAUSE [VARIANT] (see: $0 causes)"
  [ -f "$STATE/baseline.fp" ] || die "the sandbox is not up"
  [ -f "$INJ/current" ] && die "already injected: $(cat "$INJ/current"); run: $0 restore"
  listener_pid >/dev/null || die "sandbox sshd is not running (run restore?)"
  [[ $cause =~ ^[a-z0-9_]+$ ]] || die "bad cause name $cause"
  vs=$(tr ' ' '\n' <<<"$CAUSES $UNLISTED" | grep -E "^$cause(:|$)" | sed -n 's/^[^:]*:\{0,1\}//p') || die "unknown cause $cause (see: $0 causes, $0 unlisted)"
  if [ -n "$vs" ]; then def=${vs%%|*}; variant=${variant:-$def}
    [[ "|$vs|" == *"|$variant|"* ]] || die "$cause: variant must be one of ${vs//|/, }"
  else [ -z "$variant" ] || die "$cause has no variants"; fi

  install -d -m 0700 "$INJ"
  echo "$cause${variant:+ $variant}" > "$INJ/current"
  cat "$LOG" >> "$SB/sshd.log.old"; : > "$LOG"     # the log shows this injection only

  case $cause in
    sshd_not_running) sshd_stop ;;
    sshd_config_invalid)
      edit_config cfg_after '^#PasswordAuthentication yes$' 'PasswordAuthenticaton no'
      sshd_stop; sshd_start 2>/dev/null && die "sshd started on the broken configuration"; true ;;
    sshd_port_changed)
      edit_config cfg_replace "Port $PORT" "Port $ALT_PORT"; sshd_restart; wait_listen "$HOST" "$ALT_PORT" ;;
    sshd_listenaddress_restricted)
      edit_config cfg_replace "ListenAddress $HOST" "ListenAddress $ALT_ADDR"; sshd_restart; wait_listen "$ALT_ADDR" "$PORT" ;;
    firewall_blocks_ssh)
      local verdict=drop; [ "$variant" = reject ] && verdict="reject with tcp reset"
      nft add table inet "$NFT_TABLE"
      nft add chain inet "$NFT_TABLE" input '{ type filter hook input priority filter; policy accept; }'
      # shellcheck disable=SC2086
      nft add rule inet "$NFT_TABLE" input iif lo ip daddr "$HOST" tcp dport "$PORT" $verdict ;;
    privsep_dir_missing)
      ! grep -qxF sshd "$STATE/run-before" || { rm -f "$INJ/current"; die "refused: /run/sshd existed before the sandbox (the machine's own sshd may use it)"; }
      [ -z "$(foreign_sshd)" ] || { rm -f "$INJ/current"; die "refused: another sshd runs (pids $(foreign_sshd | xargs)) and needs /run/sshd"; }
      stat -c '%a %U %G' /run/sshd > "$INJ/run-sshd-removed"
      rmdir /run/sshd ;;
    maxstartups_exceeded)
      edit_config cfg_after '^#MaxStartups ' 'MaxStartups 2'; sshd_restart; start_holder ;;
    authorized_key_missing)
      save_path authorized_keys "$(thome)/.ssh/authorized_keys"; rm -f "$(thome)/.ssh/authorized_keys" ;;
    strictmodes_bad_permissions)
      save_mode "$(thome)"; save_mode "$(thome)/.ssh"; save_mode "$(thome)/.ssh/authorized_keys"
      if [ "$variant" = home ]; then chmod 0777 "$(thome)"; else chmod 0666 "$(thome)/.ssh/authorized_keys"; fi ;;
    password_auth_disabled)
      edit_config cfg_after '^#PasswordAuthentication yes$' 'PasswordAuthentication no'; sshd_restart
      local k; for k in id_rsa id_rsa.pub id_ed25519 id_ed25519.pub; do save_path "client_$k" "$(chome)/.ssh/$k"; rm -f "$(chome)/.ssh/$k"; done ;;
    root_login_refused)
      edit_config cfg_after '^#PermitRootLogin ' 'PermitRootLogin no'; sshd_restart
      echo root > "$INJ/target_user" ;;
    user_not_allowed)
      edit_config cfg_after '^#MaxSessions ' 'AllowUsers admin'; sshd_restart ;;
    account_expired_or_locked)
      save_account "$TUSER"
      if [ "$variant" = expired ]; then usermod -e 1 "$TUSER"
      else edit_config cfg_replace 'UsePAM yes' 'UsePAM no'; sshd_restart; usermod -L "$TUSER"; fi ;;
    user_shell_nologin)
      save_account "$TUSER"; usermod -s /usr/sbin/nologin "$TUSER" ;;
    too_many_keys_offered)
      save_client_side; start_agent
      client_config "$(printf 'Host %s\n  IdentityAgent %s\n' "$HOST" "$AGENTDIR/agent.sock")" ;;
    host_key_changed)
      save_client_side
      local f; for f in "$KEYS"/*; do save_path "hostkey_$(basename "$f")" "$f"; done
      host_keys "$KEYS"; sshd_restart ;;
    host_key_unknown_strict)
      save_client_side
      { grep -v "^\[$HOST\]:$PORT " "$(chome)/.ssh/known_hosts" || true; } > "$INJ/kh.tmp"
      cat "$INJ/kh.tmp" > "$(chome)/.ssh/known_hosts"; rm -f "$INJ/kh.tmp" ;;
    legacy_sha1_algorithm)
      save_client_side
      case $variant in
        hostkey) edit_config cfg_after '^#RekeyLimit ' 'HostKeyAlgorithms ssh-rsa'; sshd_restart ;;
        kex) edit_config cfg_after '^#RekeyLimit ' 'KexAlgorithms diffie-hellman-group14-sha1'; sshd_restart ;;
        userkey) client_config "$(printf 'Host %s\n  PubkeyAcceptedAlgorithms ssh-rsa\n' "$HOST")" ;;
      esac ;;
    wrong_user_name)
      getent passwd "$WRONG_USER" >/dev/null && { rm -f "$INJ/current"; die "refused: account $WRONG_USER exists"; }
      echo "$WRONG_USER" > "$INJ/target_user" ;;
    tcp_wrappers_deny)
      # libwrap reads /etc/hosts.deny; the sandbox sshd gets a private one, bind-mounted in a
      # mount namespace of its own, so the machine's file and any other daemon never see it.
      [ -f /etc/hosts.deny ] || { rm -f "$INJ/current"; die "refused: no /etc/hosts.deny to mount the private copy over"; }
      grep -q libwrap <<<"$(ldd "$SSHD" 2>/dev/null)" || { rm -f "$INJ/current"; die "refused: $SSHD is not linked with libwrap"; }
      unshare --mount --propagation private true 2>/dev/null || { rm -f "$INJ/current"; die "refused: no mount namespaces here (unshare --mount)"; }
      printf '# %s: tcp_wrappers_deny\nsshd: ALL\n' "$MARK" > "$INJ/hosts.deny"; chmod 0644 "$INJ/hosts.deny"
      sshd_stop
      # shellcheck disable=SC2016  # expanded by the namespace's own sh
      sshd_start unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/hosts.deny && exec "$@"' "$INJ/hosts.deny" \
        || { sshd_start; die "sshd did not start in its namespace; restarted it as it was (run: $0 restore)"; } ;;
  esac
  note "injected $cause${variant:+ $variant}"
}

cmd_restore() {
  need_root
  local name path m u g p e shell line pids=()
  [ -f "$STATE/baseline.fp" ] || die "the sandbox is not up"
  cat "$LOG" >> "$SB/sshd.log.old" 2>/dev/null; : > "$LOG"     # the log starts afresh
  if [ -f "$INJ/current" ]; then
    mapfile -t pids < <(for k in holder agent; do recorded_pids "$k"; done)
    [ ${#pids[@]} -gt 0 ] && mapfile -t pids < <(with_descendants "${pids[@]}")
    kill_pids "${pids[@]}"
    nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && nft delete table inet "$NFT_TABLE"
    if [ -f "$INJ/saved" ]; then
      while read -r name path; do
        rm -rf "$path"
        [ -e "$INJ/files/$name.absent" ] || cp -a "$INJ/files/$name" "$path"
      done < <(tac "$INJ/saved")
    fi
    [ -f "$INJ/modes" ] && while read -r m u g p; do chown "$u:$g" "$p"; chmod "$m" "$p"; done < <(tac "$INJ/modes")
    if [ -f "$INJ/accounts" ]; then
      while read -r u shell line; do
        [ "$(getent passwd "$u" | cut -d: -f7)" = "$shell" ] || usermod -s "$shell" "$u"
        [ "$(getent shadow "$u" | cut -d: -f2)" = "$(cut -d: -f2 <<<"$line")" ] || usermod -p "$(cut -d: -f2 <<<"$line")" "$u"
        e=$(cut -d: -f8 <<<"$line"); chage -E "${e:--1}" "$u"
        [ "$(getent shadow "$u")" = "$line" ] || note "WARNING: shadow entry of $u differs after restore"
      done < "$INJ/accounts"
    fi
    if [ -f "$INJ/run-sshd-removed" ]; then
      read -r m u g < "$INJ/run-sshd-removed"; install -d -m "$m" -o "$u" -g "$g" /run/sshd
    fi
    [ -f "$INJ/agentdir" ] && rm -rf "$AGENTDIR"
    note "restored $(cat "$INJ/current")"
    rm -rf "$INJ"
  else
    note "nothing injected"
  fi
  rm -rf "$SB/triage-state" "${CTMP:?}"/* "${CTMP:?}"/.[!.]* 2>/dev/null || true
  sshd_stop_tree
  sshd_start || die "sshd did not start after restore"
  compare_baseline
}
compare_baseline() {
  local now diff
  now=$(fingerprint_total)
  if [ "$now" = "$(cat "$STATE/baseline.fp")" ]; then note "fingerprint equals the baseline"; return 0; fi
  diff=$(diff <(cat "$STATE/baseline.fp") <(printf '%s\n' "$now") | sed -n 's/^> \([^ ]*\).*/\1/p' | grep -v TOTAL | xargs)
  note "fingerprint DIFFERS from the baseline in: $diff"
  return 1
}

cmd_status() {
  local p
  [ -d "$SB" ] || { echo "sandbox: down"; return 0; }
  if p=$(listener_pid); then echo "sshd: running (pid $p) $(listeners | xargs)"; else echo "sshd: not running"; fi
  echo "injected: $(cat "$INJ/current" 2>/dev/null || echo none)"
  echo "target user: $(target_user)"
  echo "helpers: $(for k in holder agent; do recorded_pids "$k" | sed "s/^/$k:/"; done | xargs)"
}

# ---------------------------------------------------------------- selftest

# cause variant expected-ssh_client_error [expected methods]
SELFTEST_CASES="sshd_not_running - connection_refused
sshd_config_invalid - connection_refused
sshd_port_changed - connection_refused
sshd_listenaddress_restricted - connection_refused
firewall_blocks_ssh drop connection_timed_out
firewall_blocks_ssh reject connection_refused
privsep_dir_missing - kex_closed
maxstartups_exceeded - kex_closed
authorized_key_missing - permission_denied publickey,password
strictmodes_bad_permissions home permission_denied publickey,password
strictmodes_bad_permissions authorized_keys permission_denied publickey,password
password_auth_disabled - permission_denied publickey
root_login_refused - permission_denied publickey,password
user_not_allowed - permission_denied publickey,password
account_expired_or_locked expired connection_closed
account_expired_or_locked locked permission_denied publickey,password
user_shell_nologin - account_not_available
too_many_keys_offered - too_many_auth_failures
host_key_changed - host_key_changed
host_key_unknown_strict - host_key_unknown
legacy_sha1_algorithm hostkey no_matching_algorithm
legacy_sha1_algorithm kex no_matching_algorithm
legacy_sha1_algorithm userkey permission_denied publickey,password
wrong_user_name - permission_denied publickey,password
tcp_wrappers_deny - kex_closed"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
cmd_selftest() {
  need_root
  local cause variant want meth out rc cls m msg t0 t1 ok exact relog fails=0 total0
  total0=$(now)
  printf '%-30s %-16s %-24s %-5s %-6s %-6s %5s  %s\n' cause variant ssh_client_error match exact relog secs "client message"
  while read -r cause variant want meth; do
    [ "$variant" = - ] && variant=
    t0=$(now)
    ( cmd_inject "$cause" ${variant:+"$variant"} ) 2>/dev/null || note "inject $cause $variant failed"
    rc=0; out=$(client_ssh "$(target_user)" true) || rc=$?
    cls=$(classify "$rc" <<<"$out")
    m=$(sed -n 's/.*Permission denied (\([^)]*\)).*/\1/p' <<<"$out" | tail -n 1)
    msg=$(sed -E 's/^@ +(.*[^ ]) +@$/\1/' <<<"$out" | grep -vE '^[[:space:]]*$|^@+$' | grep -vE '^(IT IS POSSIBLE|Someone could|It is also possible|The fingerprint|SHA256:|Please contact|Add correct|Offending|  remove with|  ssh-keygen|Host key for .* has changed and|Password authentication is disabled|Agent forwarding|Keyboard-interactive|Port forwarding|X11 forwarding|UpdateHostkeys)' | paste -sd'|' - | sed 's/|/ | /g' || true)
    ok=yes; [ "$cls" = "$want" ] || ok=NO
    [ -n "${meth:-}" ] && [ "$m" != "$meth" ] && ok=NO
    exact=yes; ( cmd_restore ) >/dev/null 2>&1 || exact=NO
    relog=yes; client_ssh "$TUSER" true >/dev/null || relog=NO
    t1=$(now)
    [ "$ok$exact$relog" = yesyesyes ] || fails=$((fails + 1))
    printf '%-30s %-16s %-24s %-5s %-6s %-6s %5.1f  %s\n' "$cause" "${variant:--}" "$cls${m:+ ($m)}" "$ok" "$exact" "$relog" "$(secs "$t0" "$t1")" "$msg"
  done <<<"$SELFTEST_CASES"
  printf 'total %.1f s, %d case(s) failed\n' "$(secs "$total0" "$(now)")" "$fails"
  [ $fails = 0 ]
}

# ---------------------------------------------------------------- main

exports() { # VAR=value lines -> export VAR='value' (single-quoted, for sh/bash)
  local l v q="'"
  while IFS= read -r l; do v=${l#*=}; v=${v//$q/$q\\$q$q}; printf "export %s='%s'\n" "${l%%=*}" "$v"; done
}
usage() { sed -n '2,21p' "$SCRIPT" | sed 's/^# \{0,1\}//'; }
main() {
  local cmd=${1:-}; [ $# -gt 0 ] && shift
  case $cmd in
    up) cmd_up ;;
    down) cmd_down "$@" ;;
    inject) cmd_inject "$@" ;;
    restore) cmd_restore ;;
    fingerprint) need_root; fingerprint_total ;;
    env)
      [ -f "$STATE/baseline.fp" ] || die "the sandbox is not up"
      case ${1:-} in
        client) client_env | exports ;;
        server) server_env | exports ;;
        *) die "usage: env client|server" ;;
      esac ;;
    login) need_root; cmd_login "$@" ;;
    as-client) need_root; [ $# -gt 0 ] || die "usage: as-client CMD..."; as_client "$@" ;;
    status) cmd_status ;;
    causes) tr ' ' '\n' <<<"$CAUSES" | sed 's/:/  variants: /; s/|/, /g' ;;
    unlisted) tr ' ' '\n' <<<"$UNLISTED" ;;
    selftest) cmd_selftest ;;
    sshd-start) need_root; sshd_start ;;
    sshd-stop) need_root; sshd_stop ;;
    sshd-reload) need_root; "$SSHD" -t -f "$CFG" >/dev/null 2>&1 || note "warning: sshd -t rejects $CFG; sshd will exit"; sshd_reload ;;
    ""|-h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}
main "$@"
