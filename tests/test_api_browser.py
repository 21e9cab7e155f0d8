"""The pages in a real browser: Debian's Chromium, headless, driven over the DevTools protocol.

Each page must render without a JavaScript error or a failed load, and load nothing from anywhere but
this server (the query page works offline)."""

import os

import pytest

from test_api_support import CHROMIUM, Browser, api_server


@pytest.fixture(scope="module")
def server(dist):
    return api_server(dist)


@pytest.fixture(scope="module")
def browser():
    assert os.path.exists(CHROMIUM), f"Chromium is needed for the browser tests (apt-get install chromium): {CHROMIUM}"
    b = Browser()
    yield b
    b.close()


def assert_clean(browser, server):
    assert browser.problems() == []
    outside = [u for u in browser.requested_urls()
               if not (u.startswith(server.base) or u.startswith("data:") or u.startswith("about:"))]
    assert outside == []
    browser.events.clear()


def test_landing_page(browser, server):
    browser.goto(server.url("/"))
    assert "国家智慧城市试点" in browser.js("document.querySelector('h1').textContent")
    bars = browser.js("Array.from(document.querySelectorAll('#pilots-chart g.bar')).map(g => "
                      "[g.dataset.province, Number(g.dataset.total)])")
    assert len(bars) >= 25
    provinces = dict(bars)
    assert provinces["湖北省"] > 0
    assert bars == sorted(bars, key=lambda b: -b[1]) or [b[1] for b in bars] == sorted((b[1] for b in bars), reverse=True)
    pilots = browser.js("document.querySelector('#counts td[data-class=\"Pilot\"]').textContent")
    assert int(pilots.replace(",", "")) == sum(provinces.values()) + browser.js(
        "Number((document.body.textContent.match(/(\\d+) pilots without a province/) || [0, 0])[1])")
    hrefs = browser.js("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    assert "/query" in hrefs and "/dumps/smartcity.ttl" in hrefs and "/docs" in hrefs
    # the pilot map drawn at build time, loaded from this server
    browser.wait_for("document.querySelector('#map img') && document.querySelector('#map img').complete")
    assert browser.js("document.querySelector('#map img').getAttribute('src')") == "/dumps/map-en.svg"
    assert browser.js("document.querySelector('#map img').naturalWidth") > 300
    assert_clean(browser, server)


def test_resource_page_and_its_links(browser, server):
    browser.goto(server.url("/id/pilot/2012-wuhan"))
    assert browser.js("document.getElementById('label-zh').textContent") == "武汉市"
    assert browser.js("document.getElementById('label-en').textContent") == "Wuhan"
    incoming = browser.js("Array.from(document.querySelectorAll('#incoming a')).map(a => a.getAttribute('href'))")
    assert "/id/pilot/2014-wuhan-jiangxia" in incoming
    # follow the link to an expansion, as a reader would
    browser.js("document.querySelector('#incoming a[href=\"/id/pilot/2014-wuhan-jiangxia\"]').click()")
    browser.wait_for("location.pathname === '/id/pilot/2014-wuhan-jiangxia' && document.getElementById('label-zh') "
                     "&& document.getElementById('label-zh').textContent === '武汉市江夏区'")
    rows = browser.js("Array.from(document.querySelectorAll('#properties tr')).map(tr => tr.textContent)")
    assert any("expansion scope" in r and "武汉市" in r for r in rows)
    assert_clean(browser, server)


def test_query_page_runs_a_competency_question(browser, server):
    browser.goto(server.url("/query?example=cq02-province"))
    browser.wait_for("document.querySelectorAll('.yasr tbody tr').length > 0", timeout=30)
    cells = browser.js("Array.from(document.querySelectorAll('.yasr tbody td')).map(td => td.textContent)")
    assert any("2014-wuhan-jiangxia" in c for c in cells)
    links = browser.js("Array.from(document.querySelectorAll('.yasr tbody a')).map(a => a.getAttribute('href'))")
    assert "/id/pilot/2014-wuhan-jiangxia" in links  # dataset IRIs open on this server
    editor = browser.js("yasgui.getTab().getQuery()")
    assert editor.startswith("# CQ2.")
    # another example from the list: the editor and the table follow
    browser.js("document.querySelector('a[data-example=\"cq01-batches\"]').click()")
    browser.wait_for("yasgui.getTab().getQuery().startsWith('# CQ1.') && "
                     "Array.from(document.querySelectorAll('.yasr thead th')).some(th => th.textContent.includes('announced'))",
                     timeout=30)
    years = browser.js("Array.from(document.querySelectorAll('.yasr tbody td')).map(td => td.textContent)")
    assert any("2012" in y for y in years) and any("2014" in y for y in years)
    assert_clean(browser, server)


def test_query_page_shows_a_malformed_query_error(browser, server):
    browser.goto(server.url("/query?query=SELECT%20%3Fs%20WHERE%20%7B"))
    text = browser.wait_for("(document.querySelector('.yasr .errorResult') || {}).textContent", timeout=30)
    assert "malformed query: error at 1:" in text
    browser.events.clear()
