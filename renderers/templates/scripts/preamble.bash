{#- The parameters and preludes of a generated bash script. Autoescaped: every `{{ value }}`
    is one quoted bash word (quote::bash), so text from fact files or --param cannot become
    code. Names are parameter names the checker holds to [A-Z_][A-Z0-9_]*; they and comments
    are marked `safe` explicitly. -#}
{% if parameters %}
# Parameters: environment variables the knowledge base's scripts read. A variable already set
# in the environment wins; otherwise the value below is used (required ones have none).
{% for p in parameters -%}
#   {{ p.name | safe }}: {{ p.title_comment | safe }}{% if p.required %} (required){% endif %}{% if p.origin == "fact" %} (from the fact file){% elif p.origin == "given" %} (given to triage){% endif %}
{% endfor -%}
{% for p in parameters -%}
{% if p.required %}
if [ -z "${ {{- p.name | safe -}} :-}" ]; then
  printf '%s\n' {{ p.missing }} >&2
  exit 2
fi
{%- else %}
if [ -z "${ {{- p.name | safe -}} +set}" ]; then {{ p.name | safe }}={{ p.value }}; fi
{%- endif %}
export {{ p.name | safe }}
{% endfor -%}
{% endif -%}
{% for prelude in preludes %}
# Prelude `{{ prelude.name | safe }}`: {{ prelude.title_comment | safe }}
{{ prelude.code | safe }}
{% endfor -%}
