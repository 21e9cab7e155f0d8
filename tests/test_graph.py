"""The graph as built from the curated tables: completeness, provenance, known traps in the sources."""

import csv
import re

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from conftest import select
from smartcity_kg.namespaces import ID, SC, sparql_prologue
from smartcity_kg.resources import data_dir, seeds_dir

PILOT = ID["pilot/"]


def pilots(graph):
    return set(graph.subjects(RDF.type, SC.Pilot))


def labels(graph, node, lang):
    return [o for o in graph.objects(node, SKOS.prefLabel) if isinstance(o, Literal) and o.language == lang]


def test_no_blank_nodes(graph):
    assert not [t for t in graph if any(isinstance(x, BNode) for x in t)]


def test_every_pilot_has_batch_territory_province_and_provenance(graph):
    missing = []
    for p in pilots(graph):
        special = (p, RDF.type, SC.SpecialPilotProject) in graph
        needs = [SC.batch, SC.announcedIn, SC.announcementDate, PROV.wasDerivedFrom, SC.confidence]
        if not special:
            needs += [SC.territory, SC.province, SC.publishedName]
        missing += [(p, n) for n in needs if graph.value(p, n) is None]
    assert missing == []


def test_every_pilot_has_one_label_in_zh_and_in_en(graph):
    bad = [p for p in pilots(graph) if len(labels(graph, p, "zh")) != 1 or len(labels(graph, p, "en")) != 1]
    assert bad == []


def test_every_seed_passage_stands_at_its_line(graph):
    """Each sc:seedPassage occurs verbatim on the line of the archived seed that sc:seedLocation names."""
    checked = 0
    for node, location in graph.subject_objects(SC.seedLocation):
        name, line = re.fullmatch(r"(.+\.txt):L(\d+)", str(location)).groups()
        text = (seeds_dir() / name).read_text(encoding="utf-8").split("\n")[int(line) - 1]
        for passage in graph.objects(node, SC.seedPassage):
            assert str(passage) in text, (node, location, passage)
            checked += 1
    assert checked > 300


def test_every_local_source_has_its_archived_copy(graph):
    for source, path in graph.subject_objects(SC.localCopy):
        assert (seeds_dir() / str(path).split("/")[-1]).is_file(), source


def test_no_dangling_links(graph):
    """Every instance IRI used as an object is described in the graph."""
    subjects = set(graph.subjects())
    dangling = {o for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(str(ID)) and o not in subjects}
    assert dangling == set()


def test_every_vocabulary_term_used_is_declared(graph):
    used = {p for p in graph.predicates() if str(p).startswith(str(SC))}
    used |= {o for o in graph.objects(None, RDF.type) if str(o).startswith(str(SC))}
    declared = {s for s in graph.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/smartcity-kg/def"))}
    assert used - declared == set()


def test_ontology_terms_are_bilingual(graph):
    terms = set(graph.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/smartcity-kg/def")))
    assert len(terms) > 100
    for term in terms:
        for prop in (SKOS.prefLabel, SKOS.definition, RDFS.label):
            langs = sorted(o.language for o in graph.objects(term, prop))
            assert langs == ["en", "zh"], (term, prop, langs)
    assert graph.value(URIRef("https://w3id.org/smartcity-kg/def"), OWL.versionIRI) is not None


def test_counts_per_batch_and_kind(store):
    rows = select(store, sparql_prologue() + """
        SELECT ?year ?kind (COUNT(DISTINCT ?p) AS ?n) WHERE {
          ?p sc:batch/sc:batchYear ?year ; a ?kind . FILTER (?kind != sc:Pilot)
        } GROUP BY ?year ?kind""")
    got = {(r["year"], r["kind"].split("#")[1]): int(r["n"]) for r in rows}
    assert got == {("2012", "NewPilot"): 90, ("2013", "NewPilot"): 103, ("2013", "ExpansionPilot"): 9,
                   ("2014", "NewPilot"): 84, ("2014", "ExpansionPilot"): 13, ("2014", "SpecialPilotProject"): 6}


def test_all_provinces_and_prefectures_of_the_period_are_present(graph):
    provinces = set(graph.subjects(RDF.type, SC.Province))
    mainland = {p for p in provinces if str(graph.value(p, SC.gbCode))[:2] not in ("71", "81", "82")}
    assert len(mainland) == 31
    for year, expected in (("2012", 333), ("2013", 333), ("2014", 333), ("2015", 334)):
        prefs = {p for p in graph.subjects(RDF.type, SC.PrefectureLevelUnit)
                 if Literal(year, datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear")) in set(graph.objects(p, SC.existsAtYearEnd))}
        assert len(prefs) == expected, year


def test_units_point_to_the_record_of_their_time(graph):
    """Codes are reused: 420600 was 襄樊市 until 2010, and 襄阳 pilots point to the 2010 record."""
    xiangyang = ID["pilot/2013-xiangyang"]
    unit = graph.value(xiangyang, SC.territory)
    assert unit == ID["unit/420600-2010"]
    assert str(graph.value(unit, SC.gbCode)) == "420600"


def test_renamed_and_merged_units_have_successors(graph):
    assert graph.value(ID["unit/371200-1992"], SC.successor) == ID["unit/370100-1981"]  # 莱芜市 into 济南市
    assert str(graph.value(ID["unit/371200-1992"], SC.successionYear)) == "2018"
    assert graph.value(ID["unit/510124-1983"], SC.successor) == ID["unit/510117-2016"]  # 郫县 to 郫都区
    assert str(graph.value(ID["unit/510124-1983"], SC.successionYear)) == "2016"


def test_typo_dali(graph):
    """Seed 003 L141 prints 大理石 (marble) for 大理市: the published form is kept and the correction noted."""
    p = ID["pilot/2014-dali-dali"]
    assert str(graph.value(p, SC.publishedName)) == "大理石"
    assert graph.value(p, SC.territory) == ID["unit/532901-1983"]
    note = ID["note/dali-typo"]
    assert (note, SC.noteAbout, p) in graph and graph.value(note, SC.noteType) == SC.Typo


def test_run_together_luan_huoshan_bozhou(graph):
    """Seed 003 L49 prints 六安市霍山县亳州市: 霍山县 is a 2013 pilot, 亳州市 a 2014 one, not a 2013 one."""
    assert graph.value(ID["pilot/2013-luan-huoshan"], SC.batch) == ID["batch/2013"]
    assert (ID["listing/bozhou"], RDF.type, SC.Listing) in graph
    assert graph.value(ID["pilot/2014-bozhou"], SC.batch) == ID["batch/2014"]
    bozhou_pilots = [p for p in pilots(graph) if graph.value(p, SC.territory) == ID["unit/341600-2000"]]
    assert bozhou_pilots == [ID["pilot/2014-bozhou"]]


def test_run_together_beijing_etdz_changyang(graph):
    """Seed 003 L27 prints 北京经济技术开发区房山区长阳镇: two 2013 pilots."""
    assert graph.value(ID["pilot/2013-beijing-jingji-jishu-kaifaqu"], SC.territory) == ID["zone/beijing-jingji-jishu-kaifaqu"]
    assert graph.value(ID["pilot/2013-fangshan-changyang"], SC.territory) == ID["unit/110111105000"]
    note = ID["note/beijing-etdz-changyang-run-together"]
    assert graph.value(note, SC.noteType) == SC.RunTogether


def test_heyuan_jiangdong_listed_twice(graph):
    """Seed 003 lists 河源江东新区 in the merged 2012/2013 list (L63) and again in 2014 (L131): one pilot, of 2014."""
    zone = ID["zone/heyuan-jiangdong-xinqu"]
    on_zone = [p for p in pilots(graph) if graph.value(p, SC.territory) == zone]
    assert on_zone == [ID["pilot/2014-heyuan-jiangdong-xinqu"]]
    assert graph.value(ID["note/heyuan-jiangdong-duplicate"], SC.noteType) == SC.DuplicateListing


def test_uncertain_facts_carry_an_alternative_reading(graph):
    reading = graph.value(ID["listing/chengdu"], SC.alternativeReading)
    assert graph.value(reading, SC.alternativeBatch) == ID["batch/2012"]
    assert graph.value(reading, SC.alternativeIsPilot).toPython() is True
    beidaihe = graph.value(ID["pilot/2012-qinhuangdao-beidaihe-xinqu"], SC.alternativeReading)
    assert graph.value(beidaihe, SC.alternativeIsPilot).toPython() is False
    assert graph.value(ID["pilot/2012-qinhuangdao-beidaihe-xinqu"], SC.confidence) == SC.LowConfidence


def test_wuhan_expansions(graph):
    """Wuhan added 蔡甸区 in 2013 and 江夏区 in 2014, both extending the 2012 Wuhan pilot."""
    for pid, batch, unit in (("2013-wuhan-caidian", "2013", "420114-1992"), ("2014-wuhan-jiangxia", "2014", "420115-1995")):
        p = ID[f"pilot/{pid}"]
        assert (p, RDF.type, SC.ExpansionPilot) in graph
        assert graph.value(p, SC.extends) == ID["pilot/2012-wuhan"]
        assert graph.value(p, SC.batch) == ID[f"batch/{batch}"]
        assert graph.value(p, SC.territory) == ID[f"unit/{unit}"]
        assert graph.value(graph.value(p, SC.territory), SC.parentUnit) == ID["unit/420100-1981"]


def test_financing_commitment(graph):
    c = ID["financing/cdb-mohurd-2013-2015"]
    assert graph.value(c, SC.lender) == ID["org/cdb"]
    assert graph.value(c, SC.amount).toPython() == 80_000_000_000
    assert str(graph.value(c, SC.currency)) == "CNY"


def test_tables_are_sorted_by_id():
    for path in sorted(data_dir().glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        keys = [r[0] for r in rows[1:]]
        assert keys == sorted(keys), path.name
        assert len(keys) == len(set(keys)), path.name


@pytest.mark.parametrize("name", ["smartcity.ttl", "smartcity.nt", "smartcity.jsonld", "void.ttl", "ontology.html"])
def test_build_writes_every_output(dist, name):
    assert (dist / name).stat().st_size > 1000


def test_build_is_deterministic(dist, tmp_path):
    from smartcity_kg.graph.build import build

    build(tmp_path)
    for path in sorted(dist.iterdir()):
        assert path.read_bytes() == (tmp_path / path.name).read_bytes(), path.name


def test_void_counts_match_the_graph(dist, graph):
    from rdflib import Graph
    from rdflib.namespace import VOID

    void = Graph().parse(dist / "void.ttl")
    assert void.value(ID["dataset"], VOID.triples).toPython() == len(graph)
    part = ID["dataset/class/Pilot"]
    assert void.value(part, VOID.entities).toPython() == len(pilots(graph))


def test_void_data_dumps_are_the_rdf_dumps(dist):
    from rdflib import Graph, Namespace
    from rdflib.namespace import VOID

    dcat = Namespace("http://www.w3.org/ns/dcat#")
    void = Graph().parse(dist / "void.ttl")
    dumps = {str(u).rsplit("/", 1)[1] for u in void.objects(ID["dataset"], VOID.dataDump)}
    assert dumps == {"smartcity.ttl", "smartcity.nt", "smartcity.jsonld"}
    downloads = {str(u).rsplit("/", 1)[1] for u in void.objects(None, dcat.downloadURL)}
    assert downloads == dumps | {"smartcity.geojson"}
