"""Type stubs of triage's extension module (``triage._triage``, re-exported by ``triage``)."""

import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Optional, TypedDict, Union, overload

from typing_extensions import NotRequired

__version__: str

#: A fact set: fact name -> value (str, int, float, bool, None, a list for a set fact), plus
#: ``host``, ``collected_at`` and ``symptom``; or one JSON object as text (a JSON Lines line).
#: ``None``, NaN and ``pandas.NA`` mean unknown.
Facts = Union[Mapping[str, Any], str, bytes]

#: A document of the CLI as parsed JSON: dicts, lists, str, int, float, bool, None.
Document = dict[str, Any]

# The summary record (``triage batch --detail summary``, ``diagnose(facts)``), key for key as
# ``triage batch --schema`` describes it; python/tests/test_stubs.py holds them to the schema.

class SummarySymptom(TypedDict):
    symptom: str
    #: P(symptom | facts): 1 for a symptom the facts match, a mixture's weight otherwise.
    weight: float

class SummaryCause(TypedDict):
    cause: str
    probability: float

class SummaryQuestion(TypedDict):
    #: The fact to collect next, its label and the expected information gain of its answer.
    fact: str
    label: str
    information_gain_bits: float

class SummaryOtherQuestion(TypedDict):
    fact: str
    information_gain_bits: float

class SummaryFix(TypedDict):
    fix: str
    title: str

class Summary(TypedDict):
    #: The fact set's ``host``; a record without one has ``line`` instead.
    host: NotRequired[str]
    line: NotRequired[int]
    symptoms: list[SummarySymptom]
    #: The three likeliest causes, likeliest first.
    causes: list[SummaryCause]
    #: P(a cause the knowledge base does not list | facts).
    unlisted: float
    #: Said when the facts rule out every symptom.
    message: NotRequired[Optional[str]]
    next_question: NotRequired[Optional[SummaryQuestion]]
    #: The second and third best questions.
    other_questions: NotRequired[list[SummaryOtherQuestion]]
    #: The first fix of the cheapest repair order.
    first_fix: NotRequired[Optional[SummaryFix]]
    #: Problems tolerated with ``lenient=True``.
    warnings: NotRequired[list[str]]

class BatchError(TypedDict):
    """The record of an item ``batch`` could not read."""

    line: int
    error: str
    problems: NotRequired[list[str]]

class FactError(ValueError):
    """The facts could not be read: a key the knowledge base does not declare, a value of the
    wrong type or outside the declared values, text that is not a JSON object.

    ``str(error)`` is the CLI's message (``2 problems in the facts:`` and one line per
    problem); ``problems`` has one line per problem: which key, what was expected, what was
    found."""

    problems: list[str]

class KnowledgeBaseError(Exception):
    """The knowledge base could not be loaded: a path that cannot be read, or errors in its
    ``.kb`` files (the message is what ``triage check`` prints)."""

class KnowledgeBase:
    """A knowledge base, compiled and ready to diagnose.

    ``KnowledgeBase()`` is the embedded default (``rdp``, Windows Remote Desktop);
    ``KnowledgeBase("ssh")`` names another embedded one (see :func:`knowledge_bases`); any
    other value is a ``.kb`` file or a folder of them, as with ``triage --kb``. With
    ``lenient=True``, keys the knowledge base does not declare are warnings in the result
    instead of errors (``--lenient``).

    Raises :class:`KnowledgeBaseError` when it cannot be loaded."""

    def __init__(
        self, kb: Optional[Union[str, os.PathLike[str]]] = None, *, lenient: bool = False
    ) -> None: ...
    @property
    def name(self) -> str:
        """The embedded knowledge base's name (``rdp``, ``ssh``), or the path it was loaded
        from."""

    @overload
    def diagnose(self, facts: Facts, detail: Literal["full"]) -> Document: ...
    @overload
    def diagnose(self, facts: Facts, detail: Literal["summary"] = "summary") -> Summary:
        """Diagnoses one fact set and returns the CLI's document as a dict.

        ``detail="summary"`` is the record of ``triage batch --detail summary``: ``host`` (or
        ``line``: 1), ``symptoms`` with their weight, the three likeliest ``causes`` with their
        ``probability``, ``unlisted``, ``next_question`` (``fact``, ``label``,
        ``information_gain_bits``), ``other_questions``, ``first_fix`` (``fix``, ``title``),
        ``warnings``; see :class:`Summary`. ``detail="full"`` is the document of ``triage
        diagnose --format json``: every cause with its evidence in words, the next questions,
        the repair order and the decision tree.

        Raises :class:`FactError` when the facts cannot be read, :class:`TypeError` when
        ``facts`` is neither a mapping nor text."""

    def batch(
        self,
        records: Iterable[Facts],
        jobs: Optional[int] = None,
        detail: Literal["summary", "full"] = "summary",
    ) -> list[Union[Summary, BatchError, Document]]:
        """Diagnoses many fact sets with the GIL released while the engine works.

        Returns one dict per item, in order, equal to the lines of ``triage batch`` on the
        same input (``detail="full"``: ``triage batch --detail full``). An item that cannot be
        read gets ``{"line": N, "error": ..., "problems": [...]}`` and the batch goes on;
        ``line`` counts items from 1. ``jobs``: worker threads (default one per core;
        ``jobs=1`` runs in the calling thread, as a Spark task should)."""

    def next_question(self, facts: Facts) -> Optional[Document]:
        """The question worth asking next, as in ``triage diagnose --format json``
        (``fact``, ``title``, ``ask``, ``where``, ``who``, ``information_gain_bits``,
        ``cost_seconds``, ``answer_rate``, ``bits_per_minute``, ``answers``), or ``None`` when
        the leading cause is likely enough to act on (80 %) or nothing is worth asking.

        Raises :class:`FactError` when the facts cannot be read."""

    def symptoms(self) -> list[Document]:
        """The symptoms it covers, as ``triage symptoms --format json`` lists them: ``name``,
        ``title``, ``codes``, ``aliases``, ``frequency``, ``knowledge_base``."""

def knowledge_bases() -> list[str]:
    """The embedded knowledge bases' names, the default first."""
