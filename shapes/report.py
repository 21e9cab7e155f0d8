"""A validation report a curator can act on, and the standard SHACL report beside it.

`Report` holds one `Result` per problem (focus node and its labels, path, constraint, severity,
the message in zh and en, the offending value) and renders them:

- `to_text()`: one line per problem, worst first: severity, the focus node's label and IRI,
  the constraint, then the message in Chinese and English;
- `to_turtle()` / `to_json()`: the sh:ValidationReport (Turtle, JSON-LD);
- `to_dict()`: the same facts as plain JSON-ready data.

`exit_code` is 0 when nothing violates (warnings and infos allowed), 1 otherwise.
"""

import json
import re
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, SKOS

from smartcity_kg.namespaces import ID, SC

SCSH = "https://w3id.org/smartcity-kg/shapes#"
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
REPORT_CONTEXT = {
    "sh": str(SH), "sc": str(SC), "scid": str(ID), "scsh": SCSH,
    "rdf": str(RDF), "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def compact(term):
    """A short, readable form of an IRI: scid:…, sc:…, scsh:…, sh:…; literals as their text."""
    if term is None:
        return ""
    text = str(term)
    for prefix, ns in (("scid:", str(ID)), ("sc:", str(SC)), ("scsh:", SCSH), ("sh:", str(SH))):
        if text.startswith(ns):
            return prefix + text[len(ns):]
    if text.startswith("urn:x-smartcity-kg:blank-node:"):
        return "_:" + text.rsplit(":", 1)[1]
    return text if isinstance(term, Literal) else f"<{text}>"


def language_of(message, templates=()):
    """The language of a message. pySHACL drops the language tag of a message it fills in from SPARQL
    results, so an untagged message takes the tag of the shape's sh:message template it was made
    from; failing that, zh if it has Chinese characters, else en."""
    if isinstance(message, Literal) and message.language:
        return message.language.split("-")[0]
    text = str(message)
    for template in templates:
        if template.language and _template_regex(str(template)).fullmatch(text):
            return template.language.split("-")[0]
    return "zh" if CJK.search(text) else "en"


_TEMPLATE_VAR = re.compile(r"\{[?$][A-Za-z_][A-Za-z0-9_]*\}")
_template_cache = {}


def _template_regex(template):
    pattern = _template_cache.get(template)
    if pattern is None:
        parts = _TEMPLATE_VAR.split(template)
        pattern = re.compile("(?s)" + "(.*?)".join(re.escape(p) for p in parts))
        _template_cache[template] = pattern
    return pattern


@dataclass
class Result:
    severity: str
    focus: str
    label_zh: str
    label_en: str
    constraint: str
    component: str
    source_shape: str
    path: str
    value: str
    value_label: str
    message_zh: str
    message_en: str

    def line(self):
        label = " / ".join(x for x in (self.label_zh, self.label_en) if x) or "(no label)"
        where = f"{label} <{compact(URIRef(self.focus)) if self.focus else '?'}>"
        constraint = self.constraint
        if self.component and self.component != "sparql":
            constraint += f" ({self.component})"
        value = ""
        if self.value and self.value != self.focus and self.component not in ("sparql",):
            shown = compact(URIRef(self.value)) if self.value.startswith(("http", "urn:")) else repr(self.value)
            value = f" value {shown}" + (f" {self.value_label}" if self.value_label else "") + ";"
        zh = self.message_zh or self.message_en
        en = self.message_en or self.message_zh
        return f"{self.severity.upper():<9} {where}  [{constraint}]{value} {zh} | {en}"

    def as_dict(self):
        return dict(self.__dict__)


@dataclass
class Report:
    results: list = field(default_factory=list)
    graph: Graph = None  # the sh:ValidationReport
    subject: str = "the whole graph"
    checked_nodes: int = 0
    seconds: float = 0.0

    @property
    def conforms(self):
        return not any(r.severity == "Violation" for r in self.results)

    @property
    def exit_code(self):
        return 0 if self.conforms else 1

    def count(self, severity):
        return sum(1 for r in self.results if r.severity == severity)

    def summary(self):
        parts = []
        for severity in ("Violation", "Warning", "Info"):
            n = self.count(severity)
            word = severity.lower() + ("s" if n != 1 else "")
            parts.append(f"{n} {word}")
        verdict = "conforms" if self.conforms else "does not conform"
        return f"{', '.join(parts)}: {verdict}"

    def to_text(self):
        nodes = ""
        if self.checked_nodes:
            nodes = f", {self.checked_nodes} node{'s' if self.checked_nodes != 1 else ''} checked"
        head = (f"smartcity-kg validate: {self.subject}{nodes} in {self.seconds:.2f} s\n"
                f"  (one line per problem: severity, node, [constraint], message zh | en)\n")
        order = sorted(self.results, key=lambda r: (ORDER[r.severity], r.focus, r.constraint, r.value))
        lines = [r.line() for r in order]
        verdict = "OK" if self.conforms else "NOT OK"
        return head + "".join(line + "\n" for line in lines) + f"{verdict}: {self.summary()} (exit {self.exit_code})\n"

    def to_turtle(self):
        return self.graph.serialize(format="turtle")

    def to_json(self):
        data = json.loads(self.graph.serialize(format="json-ld", context=REPORT_CONTEXT, auto_compact=True))
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    def to_dict(self):
        return {"conforms": self.conforms, "exit_code": self.exit_code, "subject": self.subject,
                "summary": self.summary(), "counts": {s: self.count(s) for s in ("Violation", "Warning", "Info")},
                "results": [r.as_dict() for r in self.results]}

    def render(self, kind):
        return {"text": self.to_text, "turtle": self.to_turtle, "json": self.to_json}[kind]()


# ---------------------------------------------------------------------------
# From pySHACL's report graph
# ---------------------------------------------------------------------------

def _labels(data, node):
    zh = en = ""
    if node is None or isinstance(node, Literal):
        return zh, en
    for label in data.objects(node, SKOS.prefLabel):
        lang = (label.language or "").split("-")[0]
        if lang == "zh" and not zh:
            zh = str(label)
        elif lang == "en" and not en:
            en = str(label)
        elif not lang and not en:
            en = str(label)
    return zh, en


NODE_IN_TEXT = re.compile(r"(?:https://w3id\.org/smartcity-kg/(?:id/|def#)|urn:x-smartcity-kg:blank-node:)"
                          r"[A-Za-z0-9_.:/#-]*[A-Za-z0-9_/-]")


def name_nodes(text, lang, data):
    """The message with every IRI of the graph it mentions replaced by the node's label in `lang`
    (the other language if it has none, the short IRI if it has no label at all)."""

    def label(match):
        node = URIRef(match.group(0))
        if (node, RDF.type, SC.CurationNote) in data:
            return compact(node)  # a note's label is its slug: the IRI says more
        zh, en = _labels(data, node)
        name = (zh or en) if lang == "zh" else (en or zh)
        if not name:
            return compact(node)
        if (node, RDF.type, SC.Pilot) in data:
            return f"{name} ({compact(node)})"  # pilots may share a name (a city and its expansion)
        return name

    return NODE_IN_TEXT.sub(label, text)


def _local(node):
    text = str(node)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def _component(node):
    name = _local(node)
    if name.endswith("ConstraintComponent"):
        name = name[: -len("ConstraintComponent")]
    return name[:1].lower() + name[1:]


def _path_text(report_graph, path):
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return compact(path).replace("<", "").replace(">", "")
    inverse = report_graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(report_graph, inverse)
    alternatives = report_graph.value(path, SH.alternativePath)
    if alternatives is not None:
        items = []
        while alternatives is not None and alternatives != RDF.nil:
            items.append(_path_text(report_graph, report_graph.value(alternatives, RDF.first)))
            alternatives = report_graph.value(alternatives, RDF.rest)
        return "|".join(items)
    return "(path)"


def build_report(report_graph, data_graph, subject="the whole graph", shapes_graph=None):
    """Turn pySHACL's report graph into a Report, labelling nodes from `data_graph` (addition included)
    and reading the messages' languages off their templates in `shapes_graph`."""
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        severity = SEVERITIES.get(report_graph.value(node, SH.resultSeverity), "Violation")
        focus = report_graph.value(node, SH.focusNode)
        shape = report_graph.value(node, SH.sourceShape)
        source_constraint = report_graph.value(node, SH.sourceConstraint)
        component = report_graph.value(node, SH.sourceConstraintComponent)
        value = report_graph.value(node, SH.value)
        path = report_graph.value(node, SH.resultPath)
        # pySHACL drops the language tag of messages filled in from SPARQL results: put it back;
        # and name the nodes a message mentions by their labels in that language.
        templates = []
        if shapes_graph is not None:
            templates = list(shapes_graph.objects(source_constraint or shape, SH.message))
        messages = []
        for message in list(report_graph.objects(node, SH.resultMessage)):
            lang = language_of(message, templates)
            named = Literal(name_nodes(str(message), lang, data_graph), lang=lang)
            if named != message:
                report_graph.remove((node, SH.resultMessage, message))
                report_graph.add((node, SH.resultMessage, named))
            messages.append(named)
        zh = next((str(m) for m in messages if m.language == "zh"), "")
        en = next((str(m) for m in messages if m.language == "en"), "")
        if isinstance(source_constraint, URIRef):
            constraint = _local(source_constraint)
            component_name = "sparql"
        else:
            constraint = _local(shape) if isinstance(shape, URIRef) else "(anonymous shape)"
            component_name = _component(component) if component is not None else ""
        label_zh, label_en = _labels(data_graph, focus)
        value_zh, value_en = _labels(data_graph, value) if isinstance(value, URIRef) else ("", "")
        results.append(Result(
            severity=severity,
            focus=str(focus) if focus is not None else "",
            label_zh=label_zh,
            label_en=label_en,
            constraint=constraint,
            component=component_name,
            source_shape=str(shape) if shape is not None else "",
            path=_path_text(report_graph, path),
            value=str(value) if value is not None else "",
            value_label=value_zh or value_en,
            message_zh=zh,
            message_en=en,
        ))
    for prefix, ns in REPORT_CONTEXT.items():
        report_graph.bind(prefix, ns, override=True, replace=True)
    return Report(results=results, graph=report_graph, subject=subject)
