"""The VoID and DCAT description of the dataset, with its counts."""

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS, VOID, XSD

from smartcity_kg import __version__
from smartcity_kg.namespaces import BASE, ID, ONTOLOGY, SC, WD, bind_all

DATASET = ID["dataset"]
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
MEDIA_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
               "geojson": "application/geo+json"}
CLASSES = [SC.Pilot, SC.NewPilot, SC.ExpansionPilot, SC.SpecialPilotProject, SC.Listing, SC.Batch,
           SC.AdministrativeUnit, SC.Province, SC.PrefectureLevelUnit, SC.CountyLevelUnit, SC.TownLevelUnit,
           SC.Zone, SC.PolicyDocument, SC.Organisation, SC.FinancingCommitment, SC.FinancingFact,
           SC.FeaturedCase, SC.Indicator, SC.CurationNote, SC.AlternativeReading, SC.Source]
ATTRIBUTION = (
    "Administrative units and their successors are derived from yescallop/areacodes "
    "(GB/T 2260 codes 1981-2024, CC0 1.0); town-level codes from Vonng/adcode "
    "(NBS 2016 edition, CC BY 4.0, attribution: \"Vonng/adcode\") and from Wikidata (CC0 1.0). "
    "Pilot lists, documents and cases are curated from the archived source pages in "
    "graph/sources/seeds and the public pages cited on each resource.")


def describe_dataset(g, written):
    """A VoID/DCAT graph describing `g`; `written` maps dump kinds to their paths."""
    d = bind_all(Graph())
    d.add((DATASET, RDF.type, VOID.Dataset))
    d.add((DATASET, RDF.type, DCAT.Dataset))
    d.add((DATASET, DCTERMS.title, Literal("smartcity-kg: 国家智慧城市试点知识图谱", lang="zh")))
    d.add((DATASET, DCTERMS.title, Literal("smartcity-kg: knowledge graph of China's National Smart City Pilots", lang="en")))
    d.add((DATASET, DCTERMS.description, Literal(
        "The pilots of the National Smart City Pilot programme (MOHURD and MOST, batches 2012, 2013 and 2014), "
        "the administrative units they lie in as of 2012-2015 with their successors, the policy documents, "
        "financing and featured cases, each fact with its provenance.", lang="en")))
    d.add((DATASET, DCTERMS.license, LICENSE))
    d.add((DATASET, DCTERMS.rights, Literal(ATTRIBUTION, lang="en")))
    d.add((DATASET, DCTERMS.hasVersion, Literal(__version__)))
    d.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    d.add((DATASET, VOID.vocabulary, URIRef(str(SC))))
    d.add((DATASET, VOID.sparqlEndpoint, URIRef(BASE + "sparql")))
    d.add((DATASET, DCTERMS.conformsTo, URIRef(ONTOLOGY)))
    for key in ("areacodes", "adcode2016", "wikidata"):
        d.add((DATASET, DCTERMS.source, ID[f"source/{key}"]))
    d.add((DATASET, VOID.triples, Literal(len(g), datatype=XSD.integer)))
    subjects = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))}
    d.add((DATASET, VOID.entities, Literal(len(subjects), datatype=XSD.integer)))
    d.add((DATASET, VOID.distinctSubjects, Literal(len(set(g.subjects())), datatype=XSD.integer)))
    d.add((DATASET, VOID.properties, Literal(len(set(g.predicates())), datatype=XSD.integer)))
    for cls in CLASSES:
        part = URIRef(f"{DATASET}/class/{cls.split('#')[-1]}")
        d.add((DATASET, VOID.classPartition, part))
        d.add((part, VOID["class"], cls))
        d.add((part, VOID.entities, Literal(len(set(g.subjects(RDF.type, cls))), datatype=XSD.integer)))
    describe_linksets(g, d)
    for kind, media in MEDIA_TYPES.items():
        if kind not in written:
            continue
        path = written[kind]
        dist = URIRef(f"{DATASET}/dump/{path.name}")
        if kind != "geojson":  # void:dataDump names RDF dumps; the GeoJSON is a distribution only
            d.add((DATASET, VOID.dataDump, URIRef(BASE + f"dumps/{path.name}")))
        d.add((DATASET, DCAT.distribution, dist))
        d.add((dist, RDF.type, DCAT.Distribution))
        d.add((dist, DCAT.downloadURL, URIRef(BASE + f"dumps/{path.name}")))
        d.add((dist, DCAT.mediaType, Literal(media)))
        d.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.integer)))
    return d


WIKIDATA = URIRef("http://www.wikidata.org/entity/Q2013")
LINKSET = URIRef(f"{DATASET}/linkset/wikidata")
LINK_PREDICATES = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch}


def describe_linksets(g, d):
    """The links of the units to Wikidata as a void:Linkset (with one subset per link predicate)."""
    d.add((WIKIDATA, RDF.type, VOID.Dataset))
    d.add((WIKIDATA, DCTERMS.title, Literal("Wikidata", lang="en")))
    d.add((WIKIDATA, VOID.uriSpace, Literal(str(WD))))
    d.add((WIKIDATA, DCTERMS.license, URIRef("https://creativecommons.org/publicdomain/zero/1.0/")))
    total = 0
    d.add((DATASET, VOID.subset, LINKSET))
    d.add((LINKSET, RDF.type, VOID.Linkset))
    d.add((LINKSET, DCTERMS.title, Literal("Links of the administrative units to Wikidata", lang="en")))
    d.add((LINKSET, DCTERMS.source, ID["source/wikidata"]))
    for kind, predicate in LINK_PREDICATES.items():
        count = sum(1 for _, o in g.subject_objects(predicate) if str(o).startswith(str(WD)))
        total += count
        part = URIRef(f"{LINKSET}/{kind}")
        d.add((LINKSET, VOID.subset, part))
        d.add((part, RDF.type, VOID.Linkset))
        d.add((part, VOID.linkPredicate, predicate))
        d.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))
    for node in [LINKSET] + [URIRef(f"{LINKSET}/{kind}") for kind in LINK_PREDICATES]:
        d.add((node, VOID.subjectsTarget, DATASET))
        d.add((node, VOID.objectsTarget, WIKIDATA))
        d.add((node, VOID.target, DATASET))
        d.add((node, VOID.target, WIKIDATA))
    d.add((LINKSET, VOID.triples, Literal(total, datatype=XSD.integer)))
