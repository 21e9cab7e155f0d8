"""The shapes on the real graph: it conforms, and every constraint fails where the data breaks it.

Each failing case is a small addition to the real graph, mostly a well-formed template (a new pilot,
an expansion, a unit record …) with one thing changed; the templates themselves pass. The whole
graph passing every shape is the passing case on real data for all constraints at once, and
`test_every_shape_has_targets_in_the_graph` makes sure that pass is not vacuous.
"""

from collections import defaultdict

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from conftest_validate import flagged, validator, violated, whole_report  # noqa: F401 (fixtures)
from smartcity_kg.namespaces import SC

PREFIXES = """@prefix sc: <https://w3id.org/smartcity-kg/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@base <https://w3id.org/smartcity-kg/id/> .
"""


def resource(iri, props):
    """Turtle for one resource: `props` maps a predicate to an object or a list of objects (None drops it)."""
    lines = [f"<{iri}>" if not iri.startswith("_:") else iri]
    body = []
    for p, objects in props.items():
        if objects is None or objects == [] or objects == ():
            continue
        if not isinstance(objects, list):
            objects = [objects]
        body.append(f"    {p} {' , '.join(objects)}")
    return PREFIXES + lines[0] + "\n" + " ;\n".join(body) + " .\n"


def labels(zh, en=None):
    out = {"skos:prefLabel": [f'"{zh}"@zh'] + ([f'"{en}"@en'] if en else []),
           "rdfs:label": [f'"{zh}"@zh'] + ([f'"{en}"@en'] if en else [])}
    return out


def new_pilot(iri="pilot/2014-jingzhou-jingzhouqu", **changes):
    """A new 2014 pilot: 荆州区, a district of 荆州市 (itself a 2014 pilot), well-formed."""
    props = {"a": ["sc:Pilot", "sc:NewPilot"], "sc:batch": "<batch/2014>", "sc:announcedIn": "<doc/list-2014>",
             "sc:announcementDate": '"2015-04-07"^^xsd:date', "sc:territory": "<unit/421003-1996>",
             "sc:publishedName": '"荆州区"@zh', **labels("荆州市荆州区", "Jingzhou District, Jingzhou"),
             "sc:confidence": "sc:LowConfidence", "prov:wasDerivedFrom": "<source/seed003>"}
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


def expansion(iri="pilot/2014-wuhan-hannan", **changes):
    """A 2014 expansion of the Wuhan pilot to 汉南区 (420113), a district of 武汉市, well-formed."""
    props = {"a": ["sc:Pilot", "sc:ExpansionPilot"], "sc:batch": "<batch/2014>", "sc:announcedIn": "<doc/list-2014>",
             "sc:announcementDate": '"2015-04-07"^^xsd:date', "sc:extends": "<pilot/2012-wuhan>",
             "sc:expansionScope": "<unit/420100-1981>", "sc:territory": "<unit/420113-1984>",
             "sc:publishedName": '"汉南区"@zh', **labels("武汉市汉南区", "Hannan District, Wuhan"),
             "sc:confidence": "sc:LowConfidence", "prov:wasDerivedFrom": "<source/seed003>"}
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


def county(iri="unit/420199-2016", **changes):
    """A county-level record under 武汉市 with a code no unit uses (420199), well-formed."""
    props = {"a": ["sc:AdministrativeUnit", "sc:CountyLevelUnit"], **labels("测试区"), "sc:gbCode": '"420199"',
             "sc:unitType": "sc:District", "sc:parentUnit": "<unit/420100-1981>",
             "sc:validFrom": '"2016"^^xsd:gYear', "prov:wasDerivedFrom": "<source/areacodes>"}
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


def zone(iri="zone/wuhan-ceshi-qu", **changes):
    props = {"a": "sc:Zone", **labels("武汉测试区", "Wuhan Test Zone"), "sc:zoneType": "sc:DevelopmentZone",
             "sc:locatedIn": "<unit/420115-1995>", "sc:confidence": "sc:LowConfidence",
             "sc:evidence": '"example"@en', "prov:wasDerivedFrom": "<source/seed003>"}
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


def note(iri="note/test-note", about=("pilot/2014-wuhan-jiangxia",), **changes):
    props = {"a": "sc:CurationNote", **labels("test note"), "sc:noteType": "sc:Inferred",
             "sc:noteAbout": [f"<{a}>" for a in about], "rdfs:comment": ['"说明"@zh', '"explanation"@en'],
             "prov:wasDerivedFrom": "<source/seed003>"}
    props["skos:prefLabel"] = '"test note"@en'
    props["rdfs:label"] = '"test note"@en'
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


def doc(iri="doc/test-notice", **changes):
    props = {"a": "sc:PolicyDocument", **labels("测试通知", "Test notice"), "dcterms:title": '"测试通知"@zh',
             "prov:wasDerivedFrom": "<source/seed003>"}
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


def fact(iri="financing/test-loan", **changes):
    props = {"a": "sc:FinancingFact", **labels("测试贷款", "Test loan"), "sc:lender": "<org/cdb>",
             "sc:beneficiary": "<pilot/2012-wuhan>", "prov:wasDerivedFrom": "<source/seed004>"}
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


def source(iri="source/testsrc", **changes):
    props = {"a": "sc:Source", "skos:prefLabel": '"A test page"', "rdfs:label": '"A test page"',
             "skos:notation": '"testsrc"', "dcterms:type": '"web"', "foaf:page": "<https://example.org/page>"}
    props.update({k.replace("__", ":"): v for k, v in changes.items()})
    return resource(iri, props)


# ---------------------------------------------------------------------------
# The whole graph
# ---------------------------------------------------------------------------

def test_whole_graph_conforms(whole_report):
    violations = [r.line() for r in whole_report.results if r.severity == "Violation"]
    assert violations == [], "\n".join(violations)
    assert whole_report.conforms and whole_report.exit_code == 0


def test_the_only_warning_is_the_2014_special_pilot_count(whole_report):
    """附件2 of the 2014 notice (41 special pilot projects) is not available: a documented warning."""
    warnings = [r for r in whole_report.results if r.severity == "Warning"]
    assert [(r.focus, r.constraint) for r in warnings] == [
        ("https://w3id.org/smartcity-kg/id/batch/2014/count/special", "PilotCountMatchesAnnouncedCount")]
    (warning,) = warnings
    assert "41" in warning.message_en and "41" in warning.message_zh
    assert "scid:note/special-pilots-list-not-found" in warning.message_en


def test_infos_are_the_seven_expansions_of_a_zone_or_district(whole_report):
    """沈阳 (3), 南京 (2), 长沙 (1, two zones), 佛山 (1): within the city, outside the base pilot's own
    territory, each explained by a curation note."""
    infos = defaultdict(set)
    for r in whole_report.results:
        if r.severity == "Info":
            assert r.constraint == "ExpansionInScopeOutsideBaseExplained"
            infos[r.focus].add(r.value)
    pilots = {f.rsplit("/", 1)[1] for f in infos}
    assert pilots == {"2013-shenyang-shenhe", "2013-shenyang-tiexi", "2013-shenyang-shenbei", "2013-nanjing-gaochun",
                      "2013-nanjing-qilin-keji-chuangxinyuan", "2013-changsha-yanghu-binjiang", "2013-foshan-nanhai"}
    assert len(infos["https://w3id.org/smartcity-kg/id/pilot/2013-changsha-yanghu-binjiang"]) == 2


def test_the_whole_graph_report_reads_well(whole_report):
    text = whole_report.to_text()
    assert text.splitlines()[-1] == "OK: 0 violations, 1 warning, 8 infos: conforms (exit 0)"
    line = next(x for x in text.splitlines() if "2013-shenyang-tiexi" in x)
    assert line.startswith("INFO ")
    assert "沈阳市铁西区 / Tiexi District, Shenyang" in line
    assert "[ExpansionInScopeOutsideBaseExplained]" in line
    assert "「沈阳市浑南新区 (scid:pilot/2012-shenyang-hunnan-xinqu)」" in line
    assert " | The added territory “Tiexi District” lies within the expansion scope “Shenyang”" in line


# ---------------------------------------------------------------------------
# The shapes themselves
# ---------------------------------------------------------------------------

CONSTRAINT_PARAMETERS = {SH[p] for p in (
    "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive maxInclusive minLength "
    "maxLength pattern languageIn uniqueLang equals disjoint lessThan lessThanOrEquals not and or xone node "
    "qualifiedValueShape hasValue in closed").split()}


def test_every_constraint_has_a_message_in_zh_and_en(validator):
    shapes = validator.shapes
    missing = []
    for sparql in set(shapes.objects(None, SH.sparql)):
        langs = {m.language for m in shapes.objects(sparql, SH.message)}
        if langs != {"zh", "en"}:
            missing.append(str(sparql))
    for shape in set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.subjects(RDF.type, SH.NodeShape)):
        if any((shape, p, None) in shapes for p in CONSTRAINT_PARAMETERS):
            langs = sorted(m.language for m in shapes.objects(shape, SH.message))
            if langs != ["en", "zh"]:
                missing.append(str(shape))
    assert missing == []


def test_every_class_of_the_ontology_is_targeted(validator, graph):
    shapes = validator.shapes
    targeted = set(shapes.objects(None, SH.targetClass))
    classes = {c for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(str(SC))}
    assert len(classes) >= 29
    assert classes - targeted == set()


def test_every_shape_has_targets_in_the_graph(validator, graph):
    """So that the whole graph conforming is a passing case for every shape, not a vacuous one."""
    shapes = validator.shapes

    def instances(cls):
        subclasses = set(graph.transitive_subjects(RDFS.subClassOf, cls))
        return any(any(graph.subjects(RDF.type, c)) for c in subclasses)

    empty = []
    for shape in set(shapes.subjects(SH.targetClass, None)) | set(shapes.subjects(SH.targetSubjectsOf, None)):
        classes = list(shapes.objects(shape, SH.targetClass))
        predicates = list(shapes.objects(shape, SH.targetSubjectsOf))
        if not (any(instances(c) for c in classes) or any(any(graph.subjects(p, None)) for p in predicates)):
            empty.append(str(shape))
    assert empty == []


# ---------------------------------------------------------------------------
# Templates pass
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("addition", [new_pilot(), expansion(), county(), zone(), note(), doc(), fact(),
                                      source()],
                         ids=["new-pilot", "expansion", "county", "zone", "note", "document", "financing-fact",
                              "source"])
def test_templates_conform(validator, addition):
    report = validator.validate_addition(addition, "turtle")
    assert violated(report) == set(), report.to_text()


# ---------------------------------------------------------------------------
# Each constraint fails where the data breaks it
# ---------------------------------------------------------------------------

FAILING = [
    # pilots
    ("Pilot-batch", new_pilot(sc__batch=None)),
    ("Pilot-batch", new_pilot(sc__batch="<batch/2016>")),
    ("Pilot-announcedIn", new_pilot(sc__announcedIn=None)),
    ("Pilot-announcementDate", new_pilot(sc__announcementDate='"2016-03-01"^^xsd:date')),
    ("Pilot-territory", new_pilot(sc__territory="<unit/999999-2020>")),
    ("Pilot-publishedName", new_pilot(sc__publishedName='"荆州区"')),
    ("Pilot-province", new_pilot(sc__province="<unit/420100-1981>")),
    ("PilotIsOfOneKind", new_pilot(a=["sc:Pilot", "sc:NewPilot", "sc:ExpansionPilot"])),
    ("PilotIsOfOneKind", new_pilot(a="sc:Pilot")),
    ("PilotIRI", new_pilot(iri="pilot/2014-Jingzhou_District")),
    ("NewPilot-territory", new_pilot(sc__territory=None)),
    ("NewPilot-noExpansionTerms", new_pilot(sc__extends="<pilot/2014-jingzhou>")),
    ("ExpansionPilot-extends", expansion(sc__extends=None)),
    ("ExpansionPilot-extends", expansion(sc__extends="<listing/linyi>")),
    ("ExpansionPilot-expansionScope", expansion(sc__expansionScope=None)),
    ("ExpansionPilot-territory", expansion(sc__territory=None)),
    ("SpecialPilotProject-batch", resource("pilot/2013-special-test", {
        "a": ["sc:Pilot", "sc:SpecialPilotProject"], "sc:batch": "<batch/2013>", "sc:announcedIn": "<doc/list-2013>",
        "sc:announcementDate": '"2013-08-05"^^xsd:date', "sc:builder": "<org/cdb>", **labels("测试专项", "Test project"),
        "sc:confidence": "sc:LowConfidence", "prov:wasDerivedFrom": "<source/seed003>"})),
    ("SpecialPilotProject-builder", resource("pilot/2014-special-test", {
        "a": ["sc:Pilot", "sc:SpecialPilotProject"], "sc:batch": "<batch/2014>", "sc:announcedIn": "<doc/list-2014>",
        "sc:announcementDate": '"2015-04-07"^^xsd:date', **labels("测试专项", "Test project"),
        "sc:confidence": "sc:LowConfidence", "prov:wasDerivedFrom": "<source/seed003>"})),
    ("PilotDateIsBatchDate", new_pilot(sc__announcementDate='"2013-08-05"^^xsd:date')),
    ("PilotDocumentConcernsBatch", new_pilot(sc__announcedIn="<doc/list-2013>")),
    ("PilotDateIsDocumentDate", new_pilot(iri="pilot/2013-jingzhou-jingzhouqu", sc__batch="<batch/2013>",
                                          sc__announcementDate='"2013-08-05"^^xsd:date',
                                          sc__announcedIn="<doc/hubei-notice-2014-04-04>")),
    ("PilotTerritoryExistedWhenNamed", new_pilot(iri="pilot/2014-nanjing-gaochunxian", sc__territory="<unit/320125-1983>")),
    ("PilotProvinceHoldsTerritory", new_pilot(sc__province="<unit/430000-1981>")),
    ("TerritoryNotPilotTwice", new_pilot(iri="pilot/2014-wuhan", sc__territory="<unit/420100-1981>")),
    ("ExpansionAfterBase", expansion(iri="pilot/2014-jingzhou-shashi", sc__extends="<pilot/2014-jingzhou>",
                                     sc__expansionScope="<unit/421000-1996>", sc__territory="<unit/421002-1996>")),
    ("ExpansionAfterBase", expansion(sc__extends="<pilot/2014-wuhan-jiangxia>")),
    ("ExpansionWithinBaseOrScope", expansion(sc__territory="<unit/430104-1996>")),
    ("ExpansionWithinBaseOrScope", expansion(sc__expansionScope=None, sc__territory="<unit/430104-1996>")),
    ("ExpansionScopeHoldsBase", expansion(sc__expansionScope="<unit/430100-1981>")),
    # units and zones
    ("County-gbCode", county(iri="unit/420100-2016", sc__gbCode='"420100"')),
    ("Prefecture-gbCode", county(iri="unit/420199-2016", a=["sc:AdministrativeUnit", "sc:PrefectureLevelUnit"],
                                 sc__unitType="sc:PrefectureCity", sc__parentUnit="<unit/420000-1981>")),
    ("Unit-gbCode", county(sc__gbCode=['"420199"', '"420198"'])),
    ("UnitIsOfOneLevel", county(a="sc:AdministrativeUnit")),
    ("UnitIsOfOneLevel", county(a=["sc:AdministrativeUnit", "sc:CountyLevelUnit", "sc:TownLevelUnit"])),
    ("UnitParentOfHigherLevel", county(sc__parentUnit="<unit/420115-1995>")),
    ("UnitCodeWithinParentCode", county(sc__parentUnit="<unit/430100-1981>")),
    ("UnitHierarchyAcyclic", PREFIXES + "<unit/420100-1981> sc:parentUnit <unit/420115-1995> .\n"),
    ("UnitIRIFollowsCode", county(iri="unit/420199-2017")),
    ("UnitYearsWithinValidity", PREFIXES + '<unit/120223-1981> sc:existsAtYearEnd "2015"^^xsd:gYear .\n'),
    ("UnitPeriodInOrder", county(sc__validUntil='"2014"^^xsd:gYear')),
    ("Unit-existsAtYearEnd", PREFIXES + '<unit/420100-1981> sc:existsAtYearEnd "2011"^^xsd:gYear .\n'),
    ("Unit-unitType", county(sc__unitType="<unit/420100-1981>")),
    ("County-unitType", county(sc__unitType="sc:PrefectureCity")),
    ("Unit-parentUnit-required", county(sc__parentUnit=None)),
    ("Unit-parentUnit", county(sc__parentUnit=["<unit/420100-1981>", "<unit/430100-1981>"])),
    ("Province-parentUnit", PREFIXES + "<unit/420000-1981> sc:parentUnit <unit/110000-1981> .\n"),
    ("TerritoryIsUnitOrZone", zone(a=["sc:Zone", "sc:AdministrativeUnit"])),
    ("Zone-locatedIn", zone(sc__locatedIn=None)),
    ("Zone-zoneType", zone(sc__zoneType="sc:County")),
    ("Zone-noCode", zone(sc__gbCode='"420199"')),
    ("ZoneIRI", zone(iri="zone/Wuhan_Test")),
    # programme, batches, counts
    ("Batch-batchYear", PREFIXES + '<batch/2012> sc:batchYear "2013"^^xsd:gYear .\n'),
    ("BatchOrderFollowsDates", PREFIXES + "<batch/2012> sc:ordinal 3 .\n"),
    ("AnnouncedCount-count", PREFIXES + "<batch/2014/count/expansion> sc:count 0 .\n"),
    ("AnnouncedCount-batch", resource("batch/2014/count/new-town", {
        "a": "sc:AnnouncedCount", **labels("测试", "test"), "sc:countOf": "sc:NewPilot", "sc:count": "3",
        "sc:unitCategory": '"镇"@zh', "prov:wasDerivedFrom": "<source/seed003>"})),
    ("AnnouncedCountIRI", PREFIXES + "<batch/2014> sc:announcedCount <count/2014-special> .\n"
     + resource("count/2014-special", {"a": "sc:AnnouncedCount", **labels("测试", "test"),
                                       "sc:countOf": "sc:SpecialPilotProject", "sc:count": "41",
                                       "prov:wasDerivedFrom": "<source/seed003>"}).replace(PREFIXES, "")),
    ("AnnouncedCount-countOf", PREFIXES + "<batch/2014/count/special> sc:countOf sc:Pilot .\n"),
    # documents, financing, cases
    ("BatchDocument-issued", doc(sc__concernsBatch="<batch/2013>", dcterms__issued='"2011-05-01"^^xsd:date')),
    ("PolicyDocument-documentNumber", doc(sc__documentNumber='"建办科2012-42"')),
    ("PolicyDocument-title", doc(dcterms__title=None)),
    ("PolicyDocument-creator", doc(dcterms__creator="<pilot/2012-wuhan>")),
    ("Financing-amount", fact(sc__amount='"-5"^^xsd:decimal', sc__currency='"CNY"')),
    ("AmountHasCurrency-currency", fact(sc__amount='"500000000"^^xsd:decimal')),
    ("AmountHasCurrency-currency", fact(sc__amount='"500000000"^^xsd:decimal', sc__currency='"yuan"')),
    ("FinancingPeriodInOrder", fact(sc__periodStart='"2015"^^xsd:gYear', sc__periodEnd='"2013"^^xsd:gYear')),
    ("FinancingFact-beneficiary", fact(sc__beneficiary="<listing/linyi>")),
    ("FeaturedCase-casePilot", PREFIXES + "<case/beijing-chaoyang-public-platform> sc:casePilot <listing/linyi> .\n"),
    ("Indicator-comparator", PREFIXES + '<case/beijing-chaoyang-public-platform/basic-data-coverage> sc:comparator "~" .\n'),
    ("IndicatorIRIUnderCase", PREFIXES + "<case/changsha-dahexi-financial-platform> sc:indicator "
                                         "<case/beijing-chaoyang-public-platform/basic-data-coverage> .\n"),
    # curation, sources, vocabulary, labels
    ("NoteAboutExists", note(about=("pilot/2014-nowhere",))),
    ("CurationNote-noteAbout", note(about=())),
    ("CurationNote-noteType", note(sc__noteType="<unit/420100-1981>")),
    ("CurationNote-comment-zh", note(rdfs__comment='"explanation only in English"@en')),
    ("SourceIRIFollowsKey", source(skos__notation='"othersrc"')),
    ("SourceIsReachable", source(foaf__page=None)),
    ("Source-kind", source(dcterms__type='"book"')),
    ("TermIsDefined", new_pilot(a=["sc:Pilot", "sc:NewPilot", "sc:NewPilots"])),
    ("TermIsDefined", PREFIXES + '<pilot/2014-wuhan-jiangxia> sc:evidenc "typo"@en .\n'),
    ("HasChineseLabel", zone(skos__prefLabel='"Wuhan Test Zone"@en', rdfs__label='"Wuhan Test Zone"@en')),
    ("HasEnglishLabel", new_pilot(skos__prefLabel='"荆州市荆州区"@zh', rdfs__label='"荆州市荆州区"@zh')),
    ("prefLabel-languages", PREFIXES + '<pilot/2012-wuhan> skos:prefLabel "武汉"@zh ; rdfs:label "武汉"@zh .\n'),
    ("label-mirrors-prefLabel", PREFIXES + '<pilot/2012-wuhan> rdfs:label "武汉"@zh .\n'),
    ("NamedResource", new_pilot(iri="_:pilot")),
    ("seedLocation", PREFIXES + '<pilot/2014-wuhan-jiangxia> sc:seedLocation "seed 3, line 163" .\n'),
    ("wasDerivedFrom", new_pilot(prov__wasDerivedFrom="<source/no-such-source>")),
    ("confidence", new_pilot(sc__confidence='"low"')),
    ("evidence", new_pilot(sc__evidence='"没有语言标签"')),
    ("ListingNotAPilot", PREFIXES + "<listing/linyi> a sc:Pilot .\n"),
    ("AlternativeReading-isPilot", PREFIXES + '<reading/h2-chengdu> sc:alternativeIsPilot "yes" .\n'),
    ("Concept-inScheme", PREFIXES + "sc:County skos:inScheme sc:ZoneTypeScheme .\n"),
    ("StarRating-notation", PREFIXES + 'sc:OneStar skos:notation "4" .\n'),
]


@pytest.mark.parametrize("constraint,addition", FAILING, ids=[f"{c}-{i}" for i, (c, _) in enumerate(FAILING)])
def test_constraint_fails_where_the_data_breaks_it(validator, constraint, addition):
    report = validator.validate_addition(addition, "turtle")
    assert constraint in violated(report), report.to_text()
    assert report.exit_code == 1
    line = next(r.line() for r in report.results if r.constraint == constraint)
    assert line.startswith("VIOLATION ") and " | " in line


# ---------------------------------------------------------------------------
# Warnings and infos: documented departures, never silenced
# ---------------------------------------------------------------------------

def test_count_warning_names_both_numbers(validator):
    report = validator.validate_addition(new_pilot(), "turtle")
    assert report.conforms
    warning = next(r for r in report.results if r.focus.endswith("batch/2014/count/new"))
    assert warning.severity == "Warning" and warning.constraint == "PilotCountMatchesAnnouncedCount"
    assert "announced 84 of the kind “new pilot”, the graph holds 85" in warning.message_en
    assert "公布「新增试点」84个，图中有85个" in warning.message_zh


def test_sub_count_info(validator):
    """A new 2013 district-level pilot makes 84 city- and district-level pilots where 83 were announced."""
    addition = new_pilot(iri="pilot/2013-jingzhou-jingzhouqu", sc__batch="<batch/2013>",
                         sc__announcedIn="<doc/list-2013>", sc__announcementDate='"2013-08-05"^^xsd:date')
    report = validator.validate_addition(addition, "turtle")
    assert violated(report) == set()
    infos = [r for r in report.results if r.constraint == "PilotSubCountMatchesAnnouncedCount"]
    assert [r.focus.rsplit("/", 1)[1] for r in infos] == ["new-city-district"]
    assert "announced 83 in the category 市区级; categorised by level, the graph holds 84" in infos[0].message_en


def test_iri_year_differing_from_batch_is_a_warning(validator):
    report = validator.validate_addition(new_pilot(iri="pilot/2013-jingzhou-jingzhouqu"), "turtle")
    assert violated(report) == set()
    assert "PilotIRIYearIsBatchYear" in flagged(report, "Warning")


def test_expansion_outside_base_warns_without_a_note_and_informs_with_one(validator):
    """大东区 lies in 沈阳市 (the scope) but not in 浑南新区, the 2012 pilot it would extend."""
    line = expansion(iri="pilot/2014-shenyang-dadong", sc__extends="<pilot/2012-shenyang-hunnan-xinqu>",
                     sc__expansionScope="<unit/210100-1981>", sc__territory="<unit/210104-1983>",
                     sc__publishedName='"大东区"@zh', skos__prefLabel=['"沈阳市大东区"@zh', '"Dadong District, Shenyang"@en'],
                     rdfs__label=['"沈阳市大东区"@zh', '"Dadong District, Shenyang"@en'])
    unexplained = validator.validate_addition(line, "turtle")
    assert violated(unexplained) == set()
    assert "ExpansionInScopeOutsideBaseUnexplained" in flagged(unexplained, "Warning")
    explained = validator.validate_addition(line + note(about=("pilot/2014-shenyang-dadong",)).replace(PREFIXES, ""),
                                            "turtle")
    assert violated(explained) == set()
    assert "ExpansionInScopeOutsideBaseUnexplained" not in flagged(explained, "Warning")
    info = next(r for r in explained.results if r.constraint == "ExpansionInScopeOutsideBaseExplained")
    assert "沈阳市浑南新区" in info.message_zh and "沈阳市" in info.message_zh
    assert "“大东区”" in info.message_en and "scid:note/test-note" in info.message_en  # no English name yet


def test_expansion_within_the_base_territory_is_fine(validator):
    report = validator.validate_addition(expansion(), "turtle")
    assert {r.constraint for r in report.results if r.focus.endswith("2014-wuhan-hannan")} == set()


def test_duplicate_explained_by_a_note_is_an_info(validator):
    twice = new_pilot(iri="pilot/2014-wuhan", sc__territory="<unit/420100-1981>")
    explained = twice + note(about=("pilot/2014-wuhan", "pilot/2012-wuhan")).replace(PREFIXES, "")
    report = validator.validate_addition(explained, "turtle")
    assert "TerritoryNotPilotTwice" not in violated(report)
    assert "TerritoryPilotTwiceExplained" in flagged(report, "Info")


def test_document_outside_the_programme_years_is_a_warning(validator):
    report = validator.validate_addition(doc(dcterms__issued='"2020-01-01"^^xsd:date'), "turtle")
    assert violated(report) == set()
    assert flagged(report, "Warning") == {"Document-issued-inProgramme"}


def test_financing_outside_the_programme_years_is_a_warning(validator):
    report = validator.validate_addition(fact(sc__periodStart='"2018"^^xsd:gYear'), "turtle")
    assert violated(report) == set()
    assert flagged(report, "Warning") == {"FinancingPeriodInProgramme-start"}


def test_an_addition_leaves_the_graph_as_it_was(validator):
    before = len(validator.data), len(validator.data.mirror)
    validator.validate_addition(expansion(), "turtle")
    validator.validate_addition(county(sc__parentUnit="<unit/430100-1981>"), "turtle")
    assert (len(validator.data), len(validator.data.mirror)) == before
    assert (URIRef("https://w3id.org/smartcity-kg/id/pilot/2014-wuhan-hannan"), None, None) not in validator.data
