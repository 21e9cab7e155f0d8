"""POST /validate runs the check `smartcity-kg validate FILE` runs, on an uploaded addition."""

import json

import pytest
import rdflib

from test_api_support import api_server, request

PREFIXES = """@prefix sc: <https://w3id.org/smartcity-kg/def#> .
@prefix scid: <https://w3id.org/smartcity-kg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""
# An alternative label for an existing pilot: nothing the shapes object to.
CONFORMING = (PREFIXES + 'scid:pilot\\/2012-wuhan skos:altLabel "江城"@zh .\n').encode()
# A new pilot with nothing but an English label: no batch, no territory, no Chinese label …
VIOLATING = (PREFIXES + 'scid:pilot\\/2014-nowhere a sc:NewPilot, sc:Pilot ; skos:prefLabel "Nowhere"@en .\n').encode()


@pytest.fixture(scope="module")
def server(dist):
    return api_server(dist)


def post(server, body, ctype, accept="application/json"):
    return request("POST", server.url("/validate"), body, {"Content-Type": ctype, "Accept": accept}, timeout=120)


def test_conforming_addition(server):
    status, headers, body = post(server, CONFORMING, "text/turtle")
    assert status == 200 and headers["Content-Type"] == "application/json"
    report = json.loads(body)
    assert report["conforms"] is True and report["exit_code"] == 0
    assert report["counts"]["Violation"] == 0
    assert report["text"].rstrip().endswith("(exit 0)")


def test_violating_addition(server):
    status, _, body = post(server, VIOLATING, "text/turtle")
    report = json.loads(body)
    assert status == 200 and report["conforms"] is False and report["exit_code"] == 1
    nowhere = [r for r in report["results"] if r["focus"].endswith("/pilot/2014-nowhere")]
    assert any(r["severity"] == "Violation" and "sc:territory" in r["message_en"] for r in nowhere)
    assert report["shacl_report"]
    status, headers, body = post(server, VIOLATING, "text/turtle", accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    g = rdflib.Graph().parse(data=body, format="turtle")
    assert (None, sh.conforms, rdflib.Literal(False)) in g
    status, headers, body = post(server, VIOLATING, "text/turtle", accept="text/plain")
    assert status == 200 and b"VIOLATION" in body and body.rstrip().endswith(b"(exit 1)")


def test_multipart_upload_and_jsonld(server):
    boundary = "smartcity"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"addition.ttl\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + VIOLATING + f"\r\n--{boundary}--\r\n".encode()
    status, _, body = post(server, form, f"multipart/form-data; boundary={boundary}")
    assert status == 200 and json.loads(body)["exit_code"] == 1
    doc = {"@context": {"skos": "http://www.w3.org/2004/02/skos/core#"},
           "@id": "https://w3id.org/smartcity-kg/id/pilot/2012-wuhan",
           "skos:altLabel": {"@value": "江城", "@language": "zh"}}
    status, _, body = post(server, json.dumps(doc).encode(), "application/ld+json")
    assert status == 200 and json.loads(body)["conforms"] is True


def test_unreadable_and_refused_uploads(server):
    status, headers, body = post(server, PREFIXES.encode() + b"scid:x sc:batch .\n", "text/turtle")
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["detail"].startswith("the addition cannot be read: line 4")
    remote = json.dumps({"@context": "https://schema.org/", "@id": "https://w3id.org/smartcity-kg/id/x"}).encode()
    status, _, body = post(server, remote, "application/ld+json")
    assert status == 400 and json.loads(body)["detail"].startswith("remote JSON-LD contexts are not fetched here")
    long_number = b'{"@id": "https://w3id.org/smartcity-kg/id/x", "http://example.org/p": ' + b"9" * 5000 + b"}"
    status, _, body = post(server, long_number, "application/ld+json")
    assert status == 400 and json.loads(body)["detail"].startswith("the upload cannot be read as JSON")
    status, _, body = post(server, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
                           "application/rdf+xml")
    assert status == 415 and "XML uploads are not accepted" in json.loads(body)["detail"]
    status, _, body = post(server, b"   ", "text/turtle")
    assert status == 400 and json.loads(body)["detail"] == "the upload is empty"
    status, _, body = post(server, b"x" * (8 * 1024 * 1024 + 1), "text/turtle")
    assert status == 413 and "larger than the limit of 8388608 bytes" in json.loads(body)["detail"]
    status, _, body = post(server, CONFORMING, "text/turtle", accept="image/png")
    assert status == 406


def test_uploads_queue_at_most_two_behind_the_one_being_checked():
    """The queue in front of the validator process: the check itself is replaced by a sleep."""
    import asyncio
    import time

    from smartcity_kg.api.settings import Settings
    from smartcity_kg.api.validation import ValidationBusy, ValidatorProcess

    validator = ValidatorProcess(Settings(validate_timeout=5))
    validator._call = lambda data, fmt, timeout: time.sleep(0.3) or {"conforms": True}

    async def five_at_once():
        return await asyncio.gather(*(validator.validate(b"", "turtle") for _ in range(5)), return_exceptions=True)

    results = asyncio.run(five_at_once())
    assert [isinstance(r, ValidationBusy) for r in results] == [False, False, False, True, True]
