#!/usr/bin/env python3
"""Generates tests/data/powershell-cmdlets.txt, the documented parameters of every cmdlet the
shipped PowerShell scripts call, for the `powershell_cmdlets` module of the integration tests.

Sources (bare git directories, read with `git show`; nothing is fetched from the network here):

  MicrosoftDocs/PowerShell-Docs          reference/5.1/<module>/<Cmdlet>.md
                                          (Windows PowerShell 5.1: Management, Utility,
                                          Security, Core, Diagnostics, CimCmdlets,
                                          LocalAccounts, ...) and the approved verbs table
                                          reference/docs-conceptual/developer/cmdlet/
                                          approved-verbs-for-windows-powershell-commands.md
  MicrosoftDocs/windows-powershell-docs  docset/winserver2022-ps/<module>/<Cmdlet>.md
                                          (NetTCPIP, NetSecurity, DnsClient, NetConnection,
                                          PKI, ServerManager, VpnClient, ...)
  MicrosoftDocs/azure-docs-powershell    azps-16.2.0/<module>/<Cmdlet>.md (Az.Compute,
                                          Az.Network, Az.DesktopVirtualization)

The commits read are written into the header of the output. The list was last generated from

  MicrosoftDocs/PowerShell-Docs          27138b21b41de3e2b43cfcac4a56861ca419d5eb
  MicrosoftDocs/windows-powershell-docs  f113d6bda7df4bf60fb213c320c12678b40ae571
  MicrosoftDocs/azure-docs-powershell    94a1a083642e3e1e0cf9b577b22ddbabea03963d

A cmdlet is looked up in that order: the first doc set that has `<Cmdlet>.md` wins; inside
winserver2022-ps, a module whose name ends in `.Migration` loses to the others (Get-WindowsFeature
is documented in both ServerManager and ServerManager.Migration).

Which cmdlets: every `Verb-Noun` word whose verb is an approved one (from the table above) or
the verb of a cmdlet documented for Windows PowerShell 5.1 (ForEach, Where, Sort, Tee are not
approved verbs, yet ForEach-Object, Where-Object, Sort-Object and Tee-Object are cmdlets) and
that appears outside comments and strings (the `$(...)` inside double-quoted strings is code and counts) in

  - the scripts of knowledge/rdp/*.kb: the text after `collect`, `check`, `run`, `verify` and
    `undo` followed by `powershell` (a `\"\"\"` block or a one-line string);
  - the PowerShell the renderers emit: renderers/src/collect.rs and renderers/src/plan/*.rs;
  - any extra .ps1 files given with --ps1 (e.g. the output of `triage collect --shell
    powershell` and `triage plan --shell powershell`);

minus the functions the scripts declare themselves (`function Name`). A name with no
documentation is reported on stderr and left out: the test then reports it as unknown.

Each parameter is a `### -Name` heading of the `## PARAMETERS` section, with the aliases of its
`Aliases:` lines (old format `Aliases: a, b`, or the newer YAML list). The common parameters
(ErrorAction, ErrorVariable, WarningAction, WarningVariable, InformationAction,
InformationVariable, OutVariable, OutBuffer, PipelineVariable, Verbose, Debug, ProgressAction)
are left out: the test accepts them on every cmdlet. -WhatIf and -Confirm are kept where the
cmdlet documents them (only cmdlets that support ShouldProcess take them).

Usage, from the repository root:

  python3 tests/data/gen-powershell-cmdlets.py \\
      --powershell-docs /path/to/PowerShell-Docs.git \\
      --windows-docs /path/to/windows-powershell-docs.git \\
      --azure-docs /path/to/azure-docs-powershell.git \\
      [--ps1 collect.ps1 --ps1 plan.ps1] > tests/data/powershell-cmdlets.txt
"""

import argparse
import glob
import re
import subprocess
import sys

COMMON = {
    "erroraction", "errorvariable", "warningaction", "warningvariable", "informationaction",
    "informationvariable", "outvariable", "outbuffer", "pipelinevariable", "verbose", "debug",
    "progressaction",
}

VERBS_DOC = ("reference/docs-conceptual/developer/cmdlet/"
             "approved-verbs-for-windows-powershell-commands.md")

SCRIPT_RE = re.compile(
    r'\b(?:collect|check|run|verify|undo)\s+powershell\s+(?:"""(.*?)"""|"((?:[^"\\\n]|\\.)*)")',
    re.S)


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True, capture_output=True,
                          text=True).stdout


def approved_verbs(repo):
    verbs = set()
    for line in git(repo, "show", "HEAD:" + VERBS_DOC).splitlines():
        m = re.match(r"\|\s*\[`([A-Za-z]+)`\]", line)
        if m:
            verbs.add(m.group(1))
    if len(verbs) < 90:
        sys.exit(f"only {len(verbs)} approved verbs found in {VERBS_DOC}")
    return verbs


def strip_code(text):
    """The code of a PowerShell script without its comments and strings (the `$(...)` of a
    double-quoted string is kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("<#", i):
            j = text.find("#>", i + 2)
            i = n if j < 0 else j + 2
        elif c == "#" and (i == 0 or text[i - 1] in " \t\r\n;{}()|"):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("@'", i) or c == "'":
            end = "'@" if c == "@" else "'"
            i += len(end)
            while i < n:
                if c == "'" and text.startswith("''", i):
                    i += 2
                elif text.startswith(end, i):
                    i += len(end)
                    break
                else:
                    i += 1
        elif text.startswith('@"', i) or c == '"':
            end = '"@' if c == "@" else '"'
            i += len(end)
            while i < n:
                if text[i] == "`":
                    i += 2
                elif c == '"' and text.startswith('""', i):
                    i += 2
                elif text.startswith("$(", i):
                    depth, j = 0, i + 1
                    while j < n:
                        if text[j] == "(":
                            depth += 1
                        elif text[j] == ")":
                            depth -= 1
                            if depth == 0:
                                break
                        j += 1
                    out.append(" " + text[i + 2:j] + " ")
                    i = j + 1
                elif text.startswith(end, i):
                    i += len(end)
                    break
                else:
                    i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def cmdlets_in(code, verbs, functions):
    found = set()
    for m in re.finditer(r"(?<![\w\-/\\.:$@])([A-Za-z]+)-([A-Za-z][A-Za-z0-9]*)(?![\w\-])", code):
        verb = next((v for v in verbs if v.lower() == m.group(1).lower()), None)
        name = m.group(0)
        if verb and name.lower() not in functions:
            found.add(name)
    return found


def used_cmdlets(verbs, ps1_files):
    codes = []
    for path in sorted(glob.glob("knowledge/rdp/*.kb")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in SCRIPT_RE.finditer(text):
            codes.append(strip_code(m.group(1) if m.group(1) is not None else m.group(2)))
    for path in sorted(glob.glob("renderers/src/collect.rs") + glob.glob("renderers/src/plan/*.rs")):
        with open(path, encoding="utf-8") as f:
            # The PowerShell is in Rust string literals: read the whole file as code.
            codes.append(f.read())
    for path in ps1_files:
        with open(path, encoding="utf-8") as f:
            codes.append(strip_code(f.read()))
    functions = set()
    for code in codes:
        functions.update(m.lower() for m in re.findall(r"\bfunction\s+([\w-]+)", code, re.I))
    used = {}
    for code in codes:
        for name in cmdlets_in(code, verbs, functions):
            used.setdefault(name.lower(), name)
    return used


def index_docs(repo, prefix):
    """cmdlet name (lowercase) -> paths of its pages under prefix."""
    pages = {}
    for path in git(repo, "ls-tree", "-r", "--name-only", "HEAD", prefix).splitlines():
        if not path.endswith(".md") or "/about/" in path.lower():
            continue
        name = path.rsplit("/", 1)[1][:-3]
        if re.fullmatch(r"[A-Za-z]+-[A-Za-z0-9]+", name):
            pages.setdefault(name.lower(), []).append(path)
    return pages


def parameters(markdown):
    """[(name, [aliases])] of the `## PARAMETERS` section."""
    params = []
    in_params = False
    current = None
    yaml_aliases = False
    for line in markdown.splitlines():
        if line.startswith("## "):
            in_params = line.strip() == "## PARAMETERS"
            current = None
            continue
        if not in_params:
            continue
        m = re.match(r"### -([A-Za-z0-9_]+)\s*$", line)
        if m:
            current = (m.group(1), [])
            params.append(current)
            yaml_aliases = False
            continue
        if line.startswith("### "):
            current = None
            continue
        if current is None:
            continue
        m = re.match(r"Aliases:\s*(.*)$", line)
        if m:
            rest = m.group(1).strip()
            yaml_aliases = rest == ""
            if rest.startswith("[") and rest.endswith("]"):
                rest = rest[1:-1]
            for alias in filter(None, (a.strip() for a in rest.split(","))):
                if alias.lower() not in (a.lower() for a in current[1]):
                    current[1].append(alias)
            continue
        if yaml_aliases:
            m = re.match(r"\s*-\s+([A-Za-z0-9_]+)\s*$", line)
            if m:
                if m.group(1).lower() not in (a.lower() for a in current[1]):
                    current[1].append(m.group(1))
            else:
                yaml_aliases = False
    return params


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--powershell-docs", required=True)
    ap.add_argument("--windows-docs", required=True)
    ap.add_argument("--azure-docs", required=True)
    ap.add_argument("--ps1", action="append", default=[])
    args = ap.parse_args()

    sets = [
        ("MicrosoftDocs/PowerShell-Docs", args.powershell_docs, "reference/5.1/"),
        ("MicrosoftDocs/windows-powershell-docs", args.windows_docs, "docset/winserver2022-ps/"),
        ("MicrosoftDocs/azure-docs-powershell", args.azure_docs, "azps-16.2.0/"),
    ]
    indexes = [(label, repo, prefix, index_docs(repo, prefix)) for label, repo, prefix in sets]
    # The approved verbs, and the verbs of the cmdlets shipped with Windows PowerShell 5.1
    # that use others (ForEach-Object, Where-Object, Sort-Object, Tee-Object).
    verbs = approved_verbs(args.powershell_docs)
    for paths in indexes[0][3].values():
        verbs.add(paths[0].rsplit("/", 1)[1].split("-")[0])
    used = used_cmdlets(verbs, args.ps1)
    lines = []
    for key in sorted(used):
        found = None
        for label, repo, prefix, pages in indexes:
            paths = sorted(pages.get(key, []), key=lambda p: (p.split("/")[-2].endswith(".Migration"), p))
            if paths:
                found = (label, repo, paths[0])
                break
        if found is None:
            print(f"not documented, left out: {used[key]}", file=sys.stderr)
            continue
        label, repo, path = found
        name = path.rsplit("/", 1)[1][:-3]
        params = [p for p in parameters(git(repo, "show", "HEAD:" + path)) if p[0].lower() not in COMMON]
        if not params:
            print(f"no parameters found in {label}:{path}", file=sys.stderr)
        print(f"{name}: {label}:{path}", file=sys.stderr)
        words = [f"-{p}" + (f"({','.join('-' + a for a in aliases)})" if aliases else "")
                 for p, aliases in sorted(params, key=lambda p: p[0].lower())]
        lines.append(f"{name}: {' '.join(words)}".rstrip())

    print("# The documented parameters of the cmdlets the shipped PowerShell scripts call.")
    print("# Generated by tests/data/gen-powershell-cmdlets.py (do not edit by hand) from:")
    for label, repo, prefix, _ in indexes:
        commit = git(repo, "rev-parse", "HEAD").strip()
        print(f"#   {label} {commit} {prefix}")
    print("# Format: `Cmdlet-Name: -Param(-Alias,-Alias) ...`; the common parameters are not listed.")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
