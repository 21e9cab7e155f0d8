"""Checks on a query before it reaches the engine, run in the query worker (under its time limit).

- Nesting: the engine recurses on nested groups, sub-queries and brackets; a query nested a few
  thousand levels deep overflows a thread's stack and kills the process. Brackets nested deeper than
  `max_nesting` are refused with 400 (workers also evaluate on a large stack, and a worker that dies
  costs its one request, so what slips through is safe).
- SERVICE: the engine would call any endpoint a query names. Unless the operator allows named
  endpoints, SERVICE is refused with 403 (and the workers have no network besides). Where the word
  occurs at all, the query is parsed with rdflib's SPARQL grammar, which tells a SERVICE clause from
  a name, a string, a comment or a `<` that compares; a query rdflib cannot read falls back to the
  lexical scan below.
- Updates: the engine's query parser rejects them anyway; `looks_like_update` lets the endpoint say 403
  "read-only" rather than 400 "malformed".

The lexical scan follows the SPARQL grammar's lexical rules: \\u escapes are decoded first (SPARQL
applies them to the whole query text), then strings, IRIs and comments are set aside, in one pass
(an unterminated string runs to the end of its line or of the text, so no input makes the scan
quadratic). Cheap counts decide whether the scan is needed at all, so the common query costs a few
microseconds.
"""

import bisect
import itertools
import re

# SPARQL 1.1 grammar, 19.2: \uXXXX and \UXXXXXXXX are codepoint escapes anywhere in a query.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_STRINGS_IRIS_COMMENTS = re.compile(
    r'"""(?:[^"\\]|\\(?:.|\Z)|"(?!""))*(?:"""|\Z)'
    r"|'''(?:[^'\\]|\\(?:.|\Z)|'(?!''))*(?:'''|\Z)"
    r'|"(?:[^"\\\n\r]|\\.)*"?'
    r"|'(?:[^'\\\n\r]|\\.)*'?"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.DOTALL)
_SERVICE = re.compile("service", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]*\Z")
_PNAME_RUN = re.compile(r"[\w\u00B7\u0300-\u036F\u203F-\u2040\-.:%\\]*\Z")
_SERVICE_TARGET = re.compile(r"\s*(?:SILENT\s*)?(<[^<>\"{}|^`\\\x00-\x20]*>)", re.IGNORECASE)
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s*[^\s:<]*:\s*<>|BASE\s*<>)\s*)*", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_OPENERS = frozenset("{([")
_BRACKETS = {ord(c): c for c in "{}()[]"}


class Refused(Exception):
    """A query the endpoint will not run: HTTP status and message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def decode_escapes(text):
    if "\\u" not in text and "\\U" not in text:
        return text

    def char(m):
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group(0)

    return _CODEPOINT.sub(char, text)


def _placeholder(m):
    s = m.group(0)
    return "<>" if s[0] == "<" else ('""' if s[0] in "\"'" else " ")


def skeleton(text):
    """The query with escapes decoded and strings, IRIs and comments blanked out."""
    return _STRINGS_IRIS_COMMENTS.sub(_placeholder, decode_escapes(text))


def nesting_depth(skel):
    brackets = [c for c in skel if c in "{}()[]"]
    if not brackets:
        return 0
    return max(itertools.accumulate(1 if c in _OPENERS else -1 for c in brackets))


def service_targets(query):
    """Each SERVICE clause's target IRI (None when it is a variable or prefixed name), or []."""
    text = decode_escapes(query)
    if not _SERVICE.search(text):
        return []
    from rdflib import URIRef
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except RecursionError:
        raise Refused(400, "query refused: nested too deeply to be checked for SERVICE") from None
    except Exception:  # not a query rdflib's grammar reads (an update, SPARQL 1.2 syntax …)
        return lexical_service_targets(text)
    found = []
    _collect_services(tree, found)
    return [str(term) if isinstance(term, URIRef) else None for term in found]


def _collect_services(node, found):
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                found.append(node.get("term"))
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())


def lexical_service_targets(text):
    """service_targets by the lexical scan alone, on text with its escapes decoded."""
    out = []
    spans = [(m.start(), m.end()) for m in _STRINGS_IRIS_COMMENTS.finditer(text)]
    starts = [a for a, _ in spans]
    for m in _SERVICE.finditer(text):
        start = m.start()
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and start < spans[i][1]:
            continue  # inside a string, an IRI or a comment
        before = text[max(0, start - 200):start]
        if _VARIABLE.search(before):
            continue  # part of a variable name (?service)
        run = _PNAME_RUN.search(before).group(0)
        if ":" in run and not run.endswith("."):
            continue  # part of a prefixed name (schema:serviceType)
        target = _SERVICE_TARGET.match(text, m.end())
        out.append(target.group(1)[1:-1] if target else None)
    return out


def check(query, max_nesting, service_allow):
    """Raise Refused for what must not reach the engine."""
    # A query cannot nest deeper than it has brackets: most queries need no scan at all.
    if query.count("{") + query.count("(") + query.count("[") > max_nesting or "\\u" in query or "\\U" in query:
        depth = nesting_depth(skeleton(query))
        if depth > max_nesting:
            raise Refused(400, f"query refused: brackets nested {depth} deep; this endpoint evaluates at most "
                               f"{max_nesting} levels (groups, sub-queries and parentheses)")
    if _SERVICE.search(query) or "\\u" in query or "\\U" in query:
        targets = service_targets(query)
        if targets:
            if not service_allow:
                raise Refused(403, "query refused: SERVICE (federated query) is disabled on this endpoint; "
                                   "the operator can allow named endpoints with SMARTCITY_KG_SERVICE_ALLOW")
            for target in targets:
                if target not in service_allow:
                    shown = f"<{target}>" if target else "a variable or prefixed name"
                    raise Refused(403, f"query refused: SERVICE {shown} is not an allowed endpoint; allowed: "
                                       + ", ".join(f"<{t}>" for t in service_allow))


def looks_like_update(query):
    """True when the text is a SPARQL Update request (INSERT, DELETE, LOAD, CLEAR …)."""
    skel = skeleton(query)
    m = _PROLOGUE.match(skel)
    word = _FIRST_WORD.match(skel, m.end() if m else 0)
    return bool(word) and word.group(0).upper() in UPDATE_KEYWORDS
