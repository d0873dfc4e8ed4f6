//! Fact collectors: a PowerShell or bash script that runs the `collect` block of every
//! relevant fact and writes a fact file `triage diagnose` reads as is.
//!
//! Each collector is guarded: PowerShell runs it in a background job (its own process) and
//! waits at most `-TimeoutSeconds`; bash runs it in a child bash under `timeout --timeout`
//! (without `timeout` on the machine, unguarded, with a warning). A collector that fails,
//! times out, or prints something that is not a value of the fact's type leaves the fact
//! `null` (unknown) and is reported on stderr; the file is written either way and the script
//! exits 1. Empty output means "cannot be known here" and is `null` without a report.
//!
//! Values are typed as the fact file expects: ints and numbers as JSON numbers (bash accepts
//! decimal and `0x` hex ints), bools as `true`/`false`, enum values and set members only when
//! declared, versions as dotted numbers, strings JSON-escaped by the script itself
//! (PowerShell's `ConvertTo-Json`; in bash a small escaper for `\`, `"` and every control
//! character, after checking with `iconv`, when present, that the text is UTF-8, since a fact
//! file must be). The fact file format has no place for error text (unknown keys are
//! rejected), so failures show in it as explicit `null`s.

use crate::plan::{quote, script};
use crate::preamble::{self, GivenParameter, PreambleError};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use triage_engine::facts::MAX_STRING_BYTES;
use triage_rules::ast::{Place, Shell};
use triage_rules::diagnostic::did_you_mean;
use triage_rules::model::{FactDef, FactId, FactType, Model, ScriptKind};

/// Why no collector script could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollectError {
    #[error("unknown symptom `{name}`; {hint}")]
    UnknownSymptom { name: String, hint: String },
    #[error("no fact among the {count} asked for has a {shell} collector")]
    NoCollector { count: usize, shell: &'static str },
    #[error("the text of fact `{fact}` cannot be put into a script: {problem}")]
    Unquotable { fact: String, problem: quote::NulInValue },
    #[error(transparent)]
    Preamble(#[from] PreambleError),
    #[error("the script's parameters could not be rendered: {0}")]
    Template(String),
}

/// Every fact of the knowledge base.
#[must_use]
pub fn all_facts(model: &Model) -> Vec<FactId> {
    (0..model.facts.len()).map(|i| FactId(i as u32)).collect()
}

/// Keeps the facts read at `place` (their `where` names it) and those whose `where` says
/// nothing; drops the facts read elsewhere, so a client script does not probe server settings.
pub fn read_at(model: &Model, facts: &mut Vec<FactId>, place: Place) {
    facts.retain(|&f| {
        let places = &model.fact(f).places;
        places.is_empty() || places.contains(&place)
    });
}

/// The facts a symptom's diagnosis reads: its own condition, its causes' findings (the
/// questions come from these), and, through rules, the facts derived facts are computed
/// from. In declaration order.
pub fn facts_of_symptom(model: &Model, name: &str) -> Result<Vec<FactId>, CollectError> {
    let Some(id) = model.symptom_id(name) else {
        let names: Vec<&str> = model.symptoms.iter().map(|s| s.name.as_str()).collect();
        let hint = did_you_mean(name, names.iter().copied()).map_or_else(
            || format!("the symptoms are: {}", names.join(", ")),
            |c| format!("did you mean `{c}`?"),
        );
        return Err(CollectError::UnknownSymptom { name: name.to_string(), hint });
    };
    let symptom = model.symptom(id);
    let mut wanted: BTreeSet<FactId> = BTreeSet::new();
    symptom.condition.for_each_fact(&mut |f| {
        wanted.insert(f);
    });
    for (cause, _) in &symptom.causes {
        for (finding, _) in &model.cause(*cause).findings {
            model.finding(*finding).condition.for_each_fact(&mut |f| {
                wanted.insert(f);
            });
        }
    }
    // Derived facts are computed from others: collect those too, to a fixed point.
    loop {
        let before = wanted.len();
        for rule in &model.rules {
            if wanted.contains(&rule.target) {
                rule.condition.for_each_fact(&mut |f| {
                    wanted.insert(f);
                });
            }
        }
        if wanted.len() == before {
            break;
        }
    }
    Ok(wanted.into_iter().collect())
}

/// The collector script for `facts` (those without a collector for `shell` are left out),
/// for every side.
pub fn render(model: &Model, facts: &[FactId], shell: Shell) -> Result<String, CollectError> {
    render_at(model, facts, shell, None, &[])
}

/// The collector script for `facts` to run at `place` (every side when `None`), with the
/// knowledge base's parameters (their values `given` on the command line, else their defaults)
/// and its collector preludes.
pub fn render_at(
    model: &Model,
    facts: &[FactId],
    shell: Shell,
    place: Option<Place>,
    given: &[GivenParameter],
) -> Result<String, CollectError> {
    let parameters = preamble::parameter_values(model, place, given, None)?;
    let preamble = preamble::render(shell, model, ScriptKind::Collector, place, &parameters)
        .map_err(|e| CollectError::Template(e.to_string()))?;
    let collected: Vec<(&FactDef, &str)> = facts
        .iter()
        .map(|&f| model.fact(f))
        .filter_map(|def| script(&def.collect, shell).map(|code| (def, code)))
        .collect();
    if collected.is_empty() {
        return Err(CollectError::NoCollector { count: facts.len(), shell: shell.keyword() });
    }
    match shell {
        Shell::Powershell => powershell(&collected, &preamble),
        Shell::Bash => bash(&collected, &preamble),
    }
}

/// `int`, `enum`, …: the type word the scripts switch on.
fn type_word(ty: &FactType) -> &'static str {
    match ty {
        FactType::Bool => "bool",
        FactType::Int => "int",
        FactType::Number => "number",
        FactType::String => "string",
        FactType::Version => "version",
        FactType::Enum(_) => "enum",
        FactType::Set(_) => "set",
    }
}

fn fact_line(def: &FactDef) -> String {
    let ty = match &def.ty {
        FactType::Enum(values) => format!("enum: {}", values.join(", ")),
        FactType::Set(values) => format!("set of: {}", values.join(", ")),
        other => type_word(other).to_string(),
    };
    match &def.title {
        Some(title) => format!("{} ({ty}) - {}", def.name, quote::comment(title)),
        None => format!("{} ({ty})", def.name),
    }
}

fn powershell(collected: &[(&FactDef, &str)], preamble: &str) -> Result<String, CollectError> {
    let q = |text: &str, fact: &str| {
        quote::powershell(text)
            .map_err(|problem| CollectError::Unquotable { fact: fact.to_string(), problem })
    };
    let mut out = String::from(
        "<#\n.SYNOPSIS\nCollects facts for `triage diagnose` into a fact file (JSON).\n\n",
    );
    out.push_str(
        ".DESCRIPTION\nGenerated by `triage collect`. Runs each collector below in a background job with a\n\
         time limit. A collector that fails, times out, or returns a value of the wrong type\n\
         leaves its fact null (unknown) and is reported on stderr. Empty output is null too.\n\
         Collectors read TRIAGE_* environment variables where the knowledge base says so, for\n\
         example $env:TRIAGE_TARGET = 'rdsh01' before running this script.\n\nFacts:\n",
    );
    for (def, _) in collected {
        let _ = writeln!(out, "  {}", fact_line(def));
    }
    out.push_str(
        "\n.PARAMETER Out\nThe fact file to write (UTF-8 without BOM). Default: standard output.\n\n\
         .PARAMETER TimeoutSeconds\nThe time limit of each collector (default 60).\n\n\
         .NOTES\nExit codes:\n  0  every collector gave a value (or said it cannot know)\n  \
         1  some collectors failed; their facts are null, the file is written anyway\n#>\n",
    );
    out.push_str(
        "[CmdletBinding()]\nparam(\n    [string]$Out,\n    [ValidateRange(1, 86400)]\n    [int]$TimeoutSeconds = 60\n)\n\n\
         Set-StrictMode -Version 3.0\n$ErrorActionPreference = 'Stop'\n",
    );
    out.push_str(preamble);
    out.push_str("\n$Collectors = @(\n");
    for (def, code) in collected {
        let _ = writeln!(out, "    @{{\n        Name = {}", q(&def.name, &def.name)?);
        let _ = writeln!(out, "        Type = '{}'", type_word(&def.ty));
        let values: Result<Vec<String>, CollectError> =
            def.ty.values().iter().map(|v| q(v, &def.name)).collect();
        let _ = writeln!(out, "        Values = @({})", values?.join(", "));
        let _ = writeln!(out, "        Block = {{\n{}\n}}\n    }}", code.trim_end());
    }
    out.push_str(")\n");
    out.push_str(quote::POWERSHELL_INERT);
    out.push_str(&POWERSHELL_RUNNER.replace("__MAX_STRING_BYTES__", &MAX_STRING_BYTES.to_string()));
    Ok(out)
}

const POWERSHELL_RUNNER: &str = r#"
function Write-CollectProblem {
    param([string]$Message)
    [Console]::Error.WriteLine("triage collect: $(ConvertTo-PlanInert $Message)")
}

function ConvertTo-FactValue {
    # The collector's output as a value of the fact's type; throws a message when it is not.
    param([object[]]$Output, [string]$Type, [string[]]$Values)
    $items = @($Output | Where-Object { $null -ne $_ })
    if ($items.Count -eq 0) { return $null }
    $invariant = [Globalization.CultureInfo]::InvariantCulture
    if ($Type -eq 'set') {
        $members = @($items | ForEach-Object { "$_" -split '[,\s]+' } | Where-Object { $_ -ne '' })
        foreach ($m in $members) {
            if ($Values -cnotcontains $m) { throw "'$m' is not one of: $($Values -join ', ')" }
        }
        return , [string[]]$members
    }
    $raw = $items[-1]
    if ("$raw".Contains([char]0)) { throw 'the output holds a NUL character, which a fact value cannot' }
    if ([Text.Encoding]::UTF8.GetByteCount("$raw") -gt __MAX_STRING_BYTES__) {
        throw 'the output is over the __MAX_STRING_BYTES__ bytes a fact value may have'
    }
    $text = "$raw".Trim()
    switch ($Type) {
        'bool' {
            if ($raw -is [bool]) { return $raw }
            if ($text -in 'true', 'false') { return $text -eq 'true' }
            throw "'$text' is not true or false"
        }
        'int' {
            if ($raw -is [int] -or $raw -is [long] -or $raw -is [int16] -or $raw -is [byte] -or $raw -is [uint32]) { return [long]$raw }
            if ($text -cmatch '^-?[0-9]{1,18}$') { return [long]::Parse($text, $invariant) }
            if ($text -match '^0x([0-9a-fA-F]{1,15})$') { return [Convert]::ToInt64($Matches[1], 16) }
            throw "'$text' is not an int"
        }
        'number' {
            if ($raw -is [double] -or $raw -is [single] -or $raw -is [decimal] -or $raw -is [int] -or $raw -is [long]) { $n = [double]$raw }
            else {
                $n = 0.0
                if (-not [double]::TryParse($text, [Globalization.NumberStyles]::Float, $invariant, [ref]$n)) { throw "'$text' is not a number" }
            }
            if ([double]::IsNaN($n) -or [double]::IsInfinity($n)) { throw "'$text' is not a finite number" }
            return $n
        }
        'version' {
            if ($text -cmatch '^[0-9]{1,19}(\.[0-9]{1,19})*$') { return $text }
            throw "'$text' is not a version (dotted numbers)"
        }
        'enum' {
            if ($Values -ccontains $text) { return $text }
            throw "'$text' is not one of: $($Values -join ', ')"
        }
        default { return "$raw" }
    }
}

$facts = [ordered]@{
    host = [Environment]::MachineName
    collected_at = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ')
}
$failed = 0
foreach ($c in $Collectors) {
    $facts[$c.Name] = $null
    $job = Start-Job -ScriptBlock $c.Block
    try {
        if (-not (Wait-Job -Job $job -Timeout $TimeoutSeconds)) {
            Stop-Job -Job $job
            throw "timed out after $TimeoutSeconds s"
        }
        if ($job.State -eq 'Failed') {
            $reason = $job.ChildJobs[0].JobStateInfo.Reason
            throw $(if ($reason) { $reason.Message } else { 'failed' })
        }
        $output = @(Receive-Job -Job $job -ErrorAction SilentlyContinue -ErrorVariable jobErrors)
        $value = ConvertTo-FactValue -Output $output -Type $c.Type -Values $c.Values
        if ($null -eq $value -and $jobErrors) { throw "$($jobErrors[0])" }
        $facts[$c.Name] = $value
    } catch {
        $failed++
        Write-CollectProblem ('{0}: {1} (left unknown)' -f $c.Name, $_.Exception.Message)
    } finally {
        Remove-Job -Job $job -Force -ErrorAction SilentlyContinue
    }
}

$json = $facts | ConvertTo-Json -Depth 4
if ($Out) {
    $path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Out)
    [IO.File]::WriteAllText($path, $json + [Environment]::NewLine, [Text.UTF8Encoding]::new($false))
} else {
    $json
}
Write-CollectProblem ('{0} of {1} collectors gave a value or null; {2} failed' -f ($Collectors.Count - $failed), $Collectors.Count, $failed)
if ($failed -gt 0) { exit 1 }
exit 0
"#;

fn bash(collected: &[(&FactDef, &str)], preamble: &str) -> Result<String, CollectError> {
    let q = |text: &str, fact: &str| {
        quote::bash(text)
            .map_err(|problem| CollectError::Unquotable { fact: fact.to_string(), problem })
    };
    let mut out = String::from(
        "#!/usr/bin/env bash\n\
         # Collects facts for `triage diagnose` into a fact file (JSON).\n#\n\
         # Generated by `triage collect`. Runs each collector below in a child bash under\n\
         # `timeout`. A collector that fails, times out, or prints a value of the wrong type\n\
         # leaves its fact null (unknown) and is reported on stderr. Empty output is null too.\n\
         # Collectors read TRIAGE_* environment variables where the knowledge base says so.\n#\n\
         # Usage: bash collect.sh [-o FILE] [--timeout SECONDS]\n\
         #   -o, --out FILE     the fact file to write (default: standard output)\n\
         #   --timeout SECONDS  the time limit of each collector (default 60)\n#\n\
         # Exit codes: 0 every collector gave a value (or said it cannot know); 1 some failed,\n\
         # their facts are null and the file is written anyway; 2 bad arguments.\n#\n# Facts:\n",
    );
    for (def, _) in collected {
        let _ = writeln!(out, "#   {}", fact_line(def));
    }
    out.push('\n');
    out.push_str(BASH_ARGUMENTS);
    out.push_str(preamble);
    out.push_str("\n# The collectors. Each runs in its own child bash (see collect_fact).\n");
    for (i, (_, code)) in collected.iter().enumerate() {
        let _ = writeln!(out, "collector_{i}() (\n{}\n)", code.trim_end());
    }
    out.push_str(quote::BASH_INERT);
    out.push_str(&BASH_RUNNER.replace("__MAX_STRING_BYTES__", &MAX_STRING_BYTES.to_string()));
    out.push_str("\nprintf -v host_json '%s' \"$(hostname 2>/dev/null || uname -n)\"\njson_string \"$host_json\"\nbody=\"{\n  \\\"host\\\": $json\"\n");
    out.push_str("json_string \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"\nbody+=\",\n  \\\"collected_at\\\": $json\"\n");
    for (i, (def, _)) in collected.iter().enumerate() {
        let values: Vec<&str> = def.ty.values().iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "collect_fact {} {} {} collector_{i}",
            q(&def.name, &def.name)?,
            type_word(&def.ty),
            q(&values.join(" "), &def.name)?
        );
    }
    out.push_str(BASH_OUTPUT);
    Ok(out)
}

const BASH_ARGUMENTS: &str = r#"out=
timeout_seconds=60
while [ "$#" -gt 0 ]; do
  case $1 in
    -o | --out)
      if [ "$#" -lt 2 ]; then echo "$1 needs a file" >&2; exit 2; fi
      out=$2
      shift
      ;;
    --timeout)
      if [ "$#" -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]{0,4}$ ]]; then
        echo "--timeout needs a number of seconds (1 to 99999)" >&2
        exit 2
      fi
      timeout_seconds=$2
      shift
      ;;
    -h | --help)
      sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      echo "unknown argument: $1 (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done
"#;

const BASH_RUNNER: &str = r#"
problem() {
  local shown
  inert "$*"
  printf 'triage collect: %s\n' "$shown" >&2
}

# json_string TEXT: json becomes TEXT as a JSON string.
json_string() {
  local s=$1
  s=${s//\\/'\\'}
  s=${s//\"/'\"'}
  s=${s//$'\n'/'\n'}
  s=${s//$'\r'/'\r'}
  s=${s//$'\t'/'\t'}
  s=${s//$'\b'/'\b'}
  s=${s//$'\f'/'\f'}
  s=${s//$'\x01'/'\u0001'}
  s=${s//$'\x02'/'\u0002'}
  s=${s//$'\x03'/'\u0003'}
  s=${s//$'\x04'/'\u0004'}
  s=${s//$'\x05'/'\u0005'}
  s=${s//$'\x06'/'\u0006'}
  s=${s//$'\x07'/'\u0007'}
  s=${s//$'\x0b'/'\u000b'}
  s=${s//$'\x0e'/'\u000e'}
  s=${s//$'\x0f'/'\u000f'}
  s=${s//$'\x10'/'\u0010'}
  s=${s//$'\x11'/'\u0011'}
  s=${s//$'\x12'/'\u0012'}
  s=${s//$'\x13'/'\u0013'}
  s=${s//$'\x14'/'\u0014'}
  s=${s//$'\x15'/'\u0015'}
  s=${s//$'\x16'/'\u0016'}
  s=${s//$'\x17'/'\u0017'}
  s=${s//$'\x18'/'\u0018'}
  s=${s//$'\x19'/'\u0019'}
  s=${s//$'\x1a'/'\u001a'}
  s=${s//$'\x1b'/'\u001b'}
  s=${s//$'\x1c'/'\u001c'}
  s=${s//$'\x1d'/'\u001d'}
  s=${s//$'\x1e'/'\u001e'}
  s=${s//$'\x1f'/'\u001f'}
  json="\"$s\""
}

# typed TYPE ALLOWED VALUE: json becomes VALUE as JSON of the fact's type, or typed returns 1
# with the reason in why.
typed() {
  local type=$1 allowed=$2 value=$3 trimmed item items sign digits
  trimmed=${value#"${value%%[![:space:]]*}"}
  trimmed=${trimmed%"${trimmed##*[![:space:]]}"}
  case $type in
    int)
      if [[ $trimmed =~ ^(-?)([0-9]{1,18})$ ]]; then
        sign=${BASH_REMATCH[1]}
        digits=$((10#${BASH_REMATCH[2]}))
        if [ "$digits" = 0 ]; then sign=; fi
        json="$sign$digits"
      elif [[ $trimmed =~ ^0[xX]([0-9a-fA-F]{1,15})$ ]]; then
        json=$((16#${BASH_REMATCH[1]}))
      else
        why="'$trimmed' is not an int"
        return 1
      fi
      ;;
    number)
      # At most 200 digits before the point and a two-digit exponent: always a finite f64.
      if [[ $trimmed =~ ^-?(0|[1-9][0-9]{0,199})(\.[0-9]+)?([eE][-+]?[0-9]{1,2})?$ ]]; then
        json=$trimmed
      else
        why="'$trimmed' is not a number"
        return 1
      fi
      ;;
    bool)
      case $trimmed in
        true | True | TRUE) json=true ;;
        false | False | FALSE) json=false ;;
        *) why="'$trimmed' is not true or false"; return 1 ;;
      esac
      ;;
    version)
      if [[ $trimmed =~ ^[0-9]{1,19}(\.[0-9]{1,19})*$ ]]; then
        json="\"$trimmed\""
      else
        why="'$trimmed' is not a version (dotted numbers)"
        return 1
      fi
      ;;
    enum)
      if [[ $trimmed =~ ^[A-Za-z0-9_]+$ ]] && [[ " $allowed " == *" $trimmed "* ]]; then
        json="\"$trimmed\""
      else
        why="'$trimmed' is not one of: $allowed"
        return 1
      fi
      ;;
    set)
      json=
      items=${trimmed//,/ }
      set -f
      for item in $items; do
        if ! [[ $item =~ ^[A-Za-z0-9_]+$ ]] || [[ " $allowed " != *" $item "* ]]; then
          set +f
          why="'$item' is not one of: $allowed"
          return 1
        fi
        json+="${json:+, }\"$item\""
      done
      set +f
      json="[$json]"
      ;;
    *)
      if [ "$(LC_ALL=C; printf '%s' "${#value}")" -gt "$max_value_bytes" ]; then
        why="the text is over the $max_value_bytes bytes a fact value may have"
        return 1
      fi
      if command -v iconv >/dev/null 2>&1 && ! printf '%s' "$value" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
        why='the text is not valid UTF-8'
        return 1
      fi
      json_string "$value"
      ;;
  esac
}

failed=0
total=0
# What `triage diagnose` accepts of a string (a longer value would make it reject the file).
max_value_bytes=__MAX_STRING_BYTES__
scratch=$(mktemp -d "${TMPDIR:-/tmp}/triage-collect.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
if ! command -v timeout >/dev/null 2>&1; then
  problem "the timeout command is missing: collectors run without a time limit"
fi

# collect_fact NAME TYPE ALLOWED FUNCTION: runs one collector in a child bash with the time
# limit and adds the fact (or null) to the output.
collect_fact() {
  local name=$1 type=$2 allowed=$3 fn=$4 rc value
  total=$((total + 1))
  json=null
  if command -v timeout >/dev/null 2>&1; then
    timeout -k 5 "$timeout_seconds" bash -c "$(declare -f); $fn" \
      >"$scratch/out" 2>"$scratch/err" </dev/null
  else
    "$fn" >"$scratch/out" 2>"$scratch/err" </dev/null
  fi
  rc=$?
  size=$(wc -c <"$scratch/out")
  size=${size//[!0-9]/}
  if [ "$rc" = 0 ] && [ "$size" -gt $((max_value_bytes + 2)) ]; then
    failed=$((failed + 1))
    problem "$name: the output is $size bytes, over the $max_value_bytes a fact value may have (left unknown)"
    value=
  elif [ "$rc" = 0 ] && [ "$(tr -d '\000' <"$scratch/out" | wc -c)" != "$(wc -c <"$scratch/out")" ]; then
    failed=$((failed + 1))
    problem "$name: the output holds a NUL byte, which a fact value cannot (left unknown)"
    value=
  else
    value=$(cat "$scratch/out")
  fi
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    failed=$((failed + 1))
    problem "$name: timed out after ${timeout_seconds}s (left unknown)"
  elif [ "$rc" != 0 ]; then
    failed=$((failed + 1))
    problem "$name: the collector failed (exit $rc): $(head -c 300 "$scratch/err" | tr '\n' ' ') (left unknown)"
  elif [ -z "$value" ]; then
    json=null
  elif ! typed "$type" "$allowed" "$value"; then
    failed=$((failed + 1))
    json=null
    problem "$name: $why (left unknown)"
  fi
  json_name=$name
  body+=",
  \"$json_name\": $json"
}
"#;

const BASH_OUTPUT: &str = r#"body+="
}"
if [ -n "$out" ]; then
  printf '%s\n' "$body" >"$out" || exit 1
else
  printf '%s\n' "$body"
fi
problem "$((total - failed)) of $total collectors gave a value or null; $failed failed"
if [ "$failed" -gt 0 ]; then exit 1; fi
exit 0
"#;
