{#- The parameters of a generated PowerShell script. Autoescaped: every `{{ value }}` is one
    verbatim PowerShell string (quote::powershell). Names are parameter names the checker holds
    to [A-Z_][A-Z0-9_]*; they and comments are marked `safe` explicitly. -#}
{% if parameters %}
# Parameters: environment variables the knowledge base's scripts read. A variable already set
# in the environment wins; otherwise the value below is used (required ones have none).
{% for p in parameters -%}
#   {{ p.name | safe }}: {{ p.title_comment | safe }}{% if p.required %} (required){% endif %}{% if p.origin == "fact" %} (from the fact file){% elif p.origin == "given" %} (given to triage){% endif %}
{% endfor -%}
{% for p in parameters -%}
{% if p.required %}
if (-not $env:{{ p.name | safe }}) {
    [Console]::Error.WriteLine({{ p.missing }})
    exit 2
}
{%- else %}
if (-not (Test-Path Env:{{ p.name | safe }})) { $env:{{ p.name | safe }} = {{ p.value }} }
{%- endif %}
{% endfor -%}
{% endif -%}
