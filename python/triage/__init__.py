"""triage in-process: rank the causes of an IT problem from a dict of facts.

>>> import triage
>>> kb = triage.KnowledgeBase()            # the embedded RDP knowledge base
>>> result = kb.diagnose({"error_code": "0x904", "host": "pc1"})
>>> result["causes"][0]["cause"]            # the likeliest cause
'...'

``diagnose`` returns the documents the ``triage`` CLI writes (a ``triage batch`` summary
line, or with ``detail="full"`` the JSON of ``triage diagnose --format json``), ``batch``
diagnoses many fact sets with the GIL released, and bad facts raise :class:`FactError`
with the CLI's message.
"""

from triage._triage import (
    FactError,
    KnowledgeBase,
    KnowledgeBaseError,
    __version__,
    knowledge_bases,
)

__all__ = [
    "FactError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "__version__",
    "knowledge_bases",
]
