"""Turn the curated CSV tables of graph/data into RDF triples.

Each function reads one table and adds its resources to an rdflib graph. The
tables are the source of truth; nothing here decides a fact, it only spells
the rows out in the vocabulary of ontology/smartcity.ttl.
"""

import csv

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from smartcity_kg.namespaces import ID, SC
from smartcity_kg.resources import data_dir

LEVEL_CLASS = {"province": SC.Province, "prefecture": SC.PrefectureLevelUnit, "county": SC.CountyLevelUnit}
KIND_CLASS = {"new": SC.NewPilot, "expansion": SC.ExpansionPilot, "special": SC.SpecialPilotProject}
CONFIDENCE = {"high": SC.HighConfidence, "medium": SC.MediumConfidence, "low": SC.LowConfidence}


def read_table(name):
    """Rows of graph/data/NAME as dicts (UTF-8, header line)."""
    with open(data_dir() / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def iri(path):
    """The IRI of an instance given its path below id/ (e.g. 'unit/420100-1981')."""
    return ID[path]


def split(value):
    return [v for v in (value or "").split(";") if v]


def zh(text):
    return Literal(text, lang="zh")


def en(text):
    return Literal(text, lang="en")


def year(value):
    return Literal(value, datatype=XSD.gYear)


def add_labels(g, node, name_zh, name_en=""):
    g.add((node, SKOS.prefLabel, zh(name_zh)))
    g.add((node, RDFS.label, zh(name_zh)))
    if name_en:
        g.add((node, SKOS.prefLabel, en(name_en)))
        g.add((node, RDFS.label, en(name_en)))


def add_sources(g, node, keys):
    for key in split(keys):
        g.add((node, PROV.wasDerivedFrom, iri(f"source/{key}")))


def add_seed_passage(g, node, location, passage):
    if location:
        g.add((node, SC.seedLocation, Literal(location)))
    if passage:
        g.add((node, SC.seedPassage, Literal(passage)))


def add_sources_table(g):
    for row in read_table("sources.csv"):
        node = iri(f"source/{row['key']}")
        g.add((node, RDF.type, SC.Source))
        label = row["title"] or row["url"] or row["local_copy"]
        g.add((node, SKOS.prefLabel, Literal(label)))
        g.add((node, RDFS.label, Literal(label)))
        g.add((node, SKOS.notation, Literal(row["key"])))
        g.add((node, DCTERMS.type, Literal(row["kind"])))
        if row["url"]:
            g.add((node, FOAF.page, URIRef(row["url"])))
        if row["local_copy"]:
            g.add((node, SC.localCopy, Literal(row["local_copy"])))
        g.add((node, RDFS.comment, en(row["supports"])))


def add_units(g):
    for row in read_table("units.csv"):
        node = iri(f"unit/{row['id']}")
        g.add((node, RDF.type, SC.AdministrativeUnit))
        g.add((node, RDF.type, LEVEL_CLASS[row["level"]]))
        add_labels(g, node, row["name_zh"], row["name_en"])
        g.add((node, SC.gbCode, Literal(row["code"])))
        g.add((node, SC.unitType, SC[row["unit_type"]]))
        if row["parent"]:
            g.add((node, SC.parentUnit, iri(f"unit/{row['parent']}")))
        g.add((node, SC.validFrom, year(row["valid_from"])))
        if row["valid_until"]:
            g.add((node, SC.validUntil, year(row["valid_until"])))
        for y in split(row["years"]):
            g.add((node, SC.existsAtYearEnd, year(y)))
        for s in split(row["successors"]):
            g.add((node, SC.successor, iri(f"unit/{s}")))
        if row["change_year"]:
            g.add((node, SC.successionYear, year(row["change_year"])))
        if row["change_document"]:
            g.add((node, SC.successionDocument, Literal(row["change_document"])))
        g.add((node, PROV.wasDerivedFrom, iri("source/areacodes")))


def add_towns(g):
    for row in read_table("towns.csv"):
        node = iri(f"unit/{row['id']}")
        g.add((node, RDF.type, SC.AdministrativeUnit))
        g.add((node, RDF.type, SC.TownLevelUnit))
        add_labels(g, node, row["name_zh"], row["name_en"])
        if row["published_name_nbs"] and row["published_name_nbs"] != row["name_zh"]:
            g.add((node, SKOS.altLabel, zh(row["published_name_nbs"])))
        g.add((node, SC.gbCode, Literal(row["code"])))
        g.add((node, SC.unitType, SC[row["unit_type"]]))
        g.add((node, SC.parentUnit, iri(f"unit/{row['parent']}")))
        add_sources(g, node, row["source"])


def add_zones(g):
    for row in read_table("zones.csv"):
        node = iri(f"zone/{row['id']}")
        g.add((node, RDF.type, SC.Zone))
        add_labels(g, node, row["name_zh"], row["name_en"])
        g.add((node, SC.zoneType, SC[row["zone_type"]]))
        for host in split(row["located_in"]):
            g.add((node, SC.locatedIn, iri(host)))
        g.add((node, SC.confidence, CONFIDENCE[row["confidence"]]))
        basis = ("the host unit is named in the list entry" if row["host_basis"] == "seed"
                 else "the host unit is inferred from the zone's location and checked against the GB/T 2260 tables")
        g.add((node, SC.evidence, en(basis + (f"; {row['note']}" if row["note"] else ""))))
        g.add((node, PROV.wasDerivedFrom, iri("source/seed003")))


def add_pilots(g, batch_dates):
    """Pilots; `batch_dates` maps a batch IRI to the date its list was announced."""
    for row in read_table("pilots.csv"):
        node = iri(f"pilot/{row['id']}")
        g.add((node, RDF.type, SC.Pilot))
        g.add((node, RDF.type, KIND_CLASS[row["kind"]]))
        batch = iri(f"batch/{row['batch']}")
        g.add((node, SC.batch, batch))
        if batch in batch_dates:
            g.add((node, SC.announcementDate, batch_dates[batch]))
        g.add((node, SC.publishedName, zh(row["published_name"])))
        add_labels(g, node, row["name_zh"], row["name_en"])
        for t in split(row["territory"]):
            g.add((node, SC.territory, iri(t)))
        for t in split(row["includes"]):
            g.add((node, SC.includes, iri(t)))
        if row["extends"]:
            g.add((node, SC.extends, iri(f"pilot/{row['extends']}")))
        if row["scope"]:
            g.add((node, SC.expansionScope, iri(row["scope"])))
        if row["announced_in"]:
            g.add((node, SC.announcedIn, iri(row["announced_in"])))
        if row["heading"]:
            g.add((node, SC.listHeading, Literal(row["heading"])))
        add_seed_passage(g, node, row["seed_location"], row["seed_passage"])
        g.add((node, SC.confidence, CONFIDENCE[row["confidence"]]))
        if row["evidence"]:
            g.add((node, SC.evidence, en(row["evidence"])))
        add_sources(g, node, row["sources"])


def add_specials(g, batch_dates):
    """Special pilot projects of 2014 whose builder public sources name (附件2 itself is not available)."""
    batch = iri("batch/2014")
    for row in read_table("specials.csv"):
        node = iri(f"pilot/{row['id']}")
        g.add((node, RDF.type, SC.Pilot))
        g.add((node, RDF.type, SC.SpecialPilotProject))
        g.add((node, SC.batch, batch))
        if batch in batch_dates:
            g.add((node, SC.announcementDate, batch_dates[batch]))
        g.add((node, SC.announcedIn, iri("doc/list-2014")))
        if row["published_name"]:
            g.add((node, SC.publishedName, zh(row["published_name"])))
        add_labels(g, node, row["name_zh"], row["name_en"])
        g.add((node, SC.builder, iri(row["builder"])))
        if row["field_zh"]:
            g.add((node, SC.field, zh(row["field_zh"])))
            g.add((node, SC.field, en(row["field_en"])))
        add_seed_passage(g, node, row["seed_location"], row["seed_passage"])
        g.add((node, SC.confidence, CONFIDENCE[row["confidence"]]))
        g.add((node, SC.evidence, en(row["evidence"])))
        add_sources(g, node, row["sources"])


def add_listings(g):
    for row in read_table("listings.csv"):
        node = iri(f"listing/{row['id']}")
        g.add((node, RDF.type, SC.Listing))
        g.add((node, SC.publishedName, zh(row["published_name"])))
        add_labels(g, node, row["name_zh"])
        add_seed_passage(g, node, row["seed_location"], row["seed_passage"])
        g.add((node, SC.evidence, en(row["reason_en"])))
        g.add((node, SC.confidence, CONFIDENCE[row["confidence"]]))
        add_sources(g, node, row["sources"])


def add_readings(g):
    for row in read_table("readings.csv"):
        node = iri(f"reading/{row['id']}")
        g.add((node, RDF.type, SC.AlternativeReading))
        g.add((node, SKOS.notation, Literal(row["hypothesis"])))
        g.add((node, SKOS.prefLabel, en(f"Reading {row['hypothesis']}: {row['id']}")))
        g.add((node, RDFS.label, en(f"Reading {row['hypothesis']}: {row['id']}")))
        g.add((node, RDFS.comment, en(row["comment_en"])))
        g.add((iri(row["about"]), SC.alternativeReading, node))
        g.add((node, SC.alternativeIsPilot, Literal(row["alt_is_pilot"] == "true")))
        if row["alt_batch"]:
            g.add((node, SC.alternativeBatch, iri(f"batch/{row['alt_batch']}")))
        if row["alt_territory"]:
            g.add((node, SC.alternativeTerritory, iri(row["alt_territory"])))
        add_sources(g, node, row["sources"])


def add_notes(g):
    for row in read_table("notes.csv"):
        node = iri(f"note/{row['id']}")
        g.add((node, RDF.type, SC.CurationNote))
        g.add((node, SKOS.prefLabel, en(row["id"].replace("-", " "))))
        g.add((node, RDFS.label, en(row["id"].replace("-", " "))))
        for about in split(row["about"]):
            g.add((node, SC.noteAbout, iri(about)))
        g.add((node, SC.noteType, SC[row["note_type"]]))
        if row["published_form"]:
            g.add((node, SC.publishedForm, Literal(row["published_form"])))
        if row["corrected_form"]:
            g.add((node, SC.correctedForm, Literal(row["corrected_form"])))
        g.add((node, RDFS.comment, en(row["comment_en"])))
        g.add((node, RDFS.comment, zh(row["comment_zh"])))
        add_sources(g, node, row["sources"])


def add_all(g, batch_dates):
    add_sources_table(g)
    add_units(g)
    add_towns(g)
    add_zones(g)
    add_pilots(g, batch_dates)
    add_specials(g, batch_dates)
    add_listings(g)
    add_readings(g)
    add_notes(g)
