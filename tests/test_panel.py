"""The treatment panel: `smartcity_kg.panel(...)`, the files it writes and `smartcity-kg panel`."""

import hashlib
import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pandas as pd
import pytest

import smartcity_kg
from smartcity_kg import panel as P

ID = "https://w3id.org/smartcity-kg/id/"
SMARTCITY_KG = Path(sys.executable).with_name("smartcity-kg")


@pytest.fixture(scope="module")
def any_panel(store):
    return smartcity_kg.panel(level="prefecture", rule="any", year_from=2010, year_to=2016, graph_or_store=store)


def rows(frame, code):
    return frame[frame["code"] == code].set_index("year")


def test_one_call_gives_a_balanced_panel(any_panel):
    assert isinstance(any_panel, pd.DataFrame)
    for col in ("code", "name", "province", "successor_code", "year", "treated", "first_year", "batch",
                "partial", "pilots"):
        assert col in any_panel.columns
    units = any_panel["code"].nunique()
    assert units == 366 and len(any_panel) == units * 7
    assert (any_panel.groupby("code")["year"].apply(list) == [list(range(2010, 2017))] * units).all()
    treated = any_panel["first_year"].notna() & (any_panel["year"] >= any_panel["first_year"])
    assert (any_panel["treated"] == treated.astype(int)).all()
    assert (any_panel.loc[any_panel["treated"] == 0, "pilots"] == "").all()
    assert (any_panel.loc[any_panel["treated"] == 1, "pilots"] != "").all()


def test_every_treated_cell_names_its_pilots(any_panel):
    baoding = rows(any_panel, "130600")
    assert baoding.loc[2012, ["treated", "partial"]].tolist() == [0, 1]
    assert baoding.loc[2013, "pilots"] == ID + "pilot/2013-baoding-boye"
    wuhan = rows(any_panel, "420100")
    assert wuhan.loc[2012, "pilots"] == f"{ID}pilot/2012-wuhan;{ID}pilot/2012-wuhan-jiangan"
    assert wuhan.loc[2014, "pilots"].split(";")[-1] == ID + "pilot/2014-wuhan-jiangxia"
    assert rows(any_panel, "440300").loc[2012, "pilots"] == ID + "pilot/2012-shenzhen-pingshan-xinqu"
    assert rows(any_panel, "371200").loc[2016, ["successor_code", "treated"]].tolist() == ["370100", 1]
    assert rows(any_panel, "429004").loc[2014, ["treated", "province_administered"]].tolist() == [1, 1]
    assert rows(any_panel, "429004").loc[2013, "treated"] == 0
    assert rows(any_panel, "419001").loc[2012, "treated"] == 1
    assert rows(any_panel, "130600").loc[2016, "event_time"] == 3
    meta = any_panel.attrs["smartcity_kg"]
    assert meta["rule"] == "any" and meta["treated_units_by_first_year"] == {"2012": 71, "2013": 68, "2014": 45}


def test_rules_and_year_basis(store):
    city = smartcity_kg.panel(rule="city", year_from=2012, year_to=2015, graph_or_store=store)
    assert rows(city, "130600")["treated"].sum() == 0 and rows(city, "130600")["partial"].iloc[0] == 1
    announced = smartcity_kg.panel(rule="city", year_basis="announced", year_from=2012, year_to=2015,
                                   graph_or_store=store)
    wuhan = rows(announced, "420100")
    assert wuhan["treated"].tolist() == [0, 1, 1, 1] and wuhan["batch"].iloc[0] == 2012
    laiwu = rows(announced, "371200")
    assert laiwu["treated"].tolist() == [0, 0, 0, 1] and laiwu["first_year"].iloc[0] == 2015
    alternative = smartcity_kg.panel(rule="city", reading="alternative", year_from=2012, year_to=2012,
                                     graph_or_store=store)
    chengdu = rows(alternative, "510100").loc[2012]
    assert (chengdu["treated"], chengdu["pilots"], chengdu["readings"]) == (
        1, ID + "listing/chengdu", ID + "reading/h2-chengdu")
    assert rows(city, "510100")["treated"].sum() == 0


def test_county_level(store):
    county = smartcity_kg.panel(level="county", rule="any", year_from=2013, year_to=2015, graph_or_store=store)
    assert rows(county, "420115")["treated"].tolist() == [0, 1, 1]
    assert rows(county, "420115")["prefecture_code"].iloc[0] == "420100"
    assert rows(county, "510124").loc[2013, ["successor_code", "treated"]].tolist() == ["510117", 1]
    assert rows(county, "429004")["treated"].tolist() == [0, 1, 1]
    assert county["code"].nunique() * 3 == len(county)


@pytest.mark.parametrize("fmt", ["csv", "dta", "parquet"])
def test_written_files_read_back(any_panel, tmp_path, fmt):
    path, companion = P.write_panel(any_panel, tmp_path / f"panel.{fmt}")
    if fmt == "csv":
        back = pd.read_csv(path, dtype={"code": str, "province_code": str, "successor_code": str})
        assert path.read_bytes()[:4] == b"code"  # UTF-8 without a byte-order mark
    elif fmt == "dta":
        back = pd.read_stata(path)
    else:
        back = pd.read_parquet(path)
    assert len(back) == len(any_panel) and list(back.columns) == list(any_panel.columns)
    chengdu = back[(back["code"] == "510100") & (back["year"] == 2013)].iloc[0]
    assert chengdu["name"] == "成都市" and chengdu["province"] == "四川省"
    assert int(chengdu["treated"]) == 1 and int(chengdu["first_year"]) == 2012
    assert back["treated"].sum() == any_panel["treated"].sum()
    assert back["first_year"].isna().sum() == any_panel["first_year"].isna().sum()
    meta = json.loads(companion.read_text(encoding="utf-8"))
    assert companion.name == f"panel.{fmt}.json" and meta["format"] == fmt
    assert meta["rule"] == "any" and meta["year_basis"] == "batch" and meta["reading"] == "preferred"
    assert meta["version"] == smartcity_kg.__version__ and len(meta["graph"]["sha256"]) == 64
    assert "SELECT DISTINCT ?unit ?code ?relation ?pilot" in meta["queries"]["treatment"]
    assert meta["citation"].startswith("Treatment: a prefecture-level unit is treated from the nominal year")
    assert meta["python"] == ("smartcity_kg.panel(level='prefecture', year_from=2010, year_to=2016, rule='any', "
                              "year_basis='batch', reading='preferred')")


def cli(*args, cwd):
    return subprocess.run([str(SMARTCITY_KG), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_command_writes_a_stata_panel_and_its_companion(dist, tmp_path):
    os.symlink(dist, tmp_path / "dist")  # the built graph: loaded from the dump, not rebuilt
    (tmp_path / "did").mkdir()
    out = cli("panel", "--rule", "any", "--year", "announced", "--from", "2010", "--to", "2016",
              "-o", "did/panel.dta", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    back = pd.read_stata(tmp_path / "did" / "panel.dta")
    wuhan = back[back["code"] == "420100"].set_index("year")
    assert wuhan.loc[2012, "treated"] == 0 and wuhan.loc[2013, "treated"] == 1
    meta = json.loads((tmp_path / "did" / "panel.dta.json").read_text(encoding="utf-8"))
    assert meta["command"] == ("smartcity-kg panel --level prefecture --from 2010 --to 2016 --rule any "
                               "--year announced --reading preferred --format dta -o did/panel.dta")
    assert meta["graph"]["sha256"] == hashlib.sha256((dist / "smartcity.nt").read_bytes()).hexdigest()
    assert "366 units" in out.stdout


@pytest.mark.parametrize("args, message", [
    (["--from", "2016", "--to", "2010", "-o", "p.csv"], "--from 2016 is after --to 2010"),
    (["-o", "no/such/dir/p.csv"], "no such directory"),
    (["-o", "."], "is a directory"),
    (["--from", "12", "-o", "p.csv"], "must be a year"),
])
def test_command_rejects_bad_arguments(tmp_path, args, message):
    out = cli("panel", *args, cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr
    assert not (tmp_path / "p.csv").exists()


def test_unwritable_path(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        target = locked / "p.csv"
        if os.access(locked, os.W_OK):  # root may write anywhere: use a folder no one can create files in
            target = Path("/proc/self/p.csv")
        assert P.run_cli(args(output=str(target))) == 2
        assert "cannot write" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def args(**kw):
    base = dict(level="prefecture", year_from=2012, year_to=2013, rule="city", year_basis="batch",
                reading="preferred", format=None, output="p.csv")
    base.update(kw)
    return Namespace(**base)


@pytest.mark.parametrize("module, fmt", [("pandas", "csv"), ("pyarrow", "parquet")])
def test_missing_optional_dependency(monkeypatch, tmp_path, capsys, module, fmt):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    assert P.run_cli(args(output=str(tmp_path / f"p.{fmt}"))) == 2
    assert f"needs {module}" in capsys.readouterr().err


def test_format_from_suffix_and_option():
    assert P.format_of("a.dta") == "dta" and P.format_of("a.parquet") == "parquet"
    assert P.format_of("a.txt") == "csv" and P.format_of("a.txt", "dta") == "dta"
    with pytest.raises(P.PanelError):
        P.format_of("a.csv", "xlsx")


def test_python_api_rejects_bad_arguments(store):
    with pytest.raises(P.PanelError, match="after"):
        smartcity_kg.panel(year_from=2015, year_to=2012, graph_or_store=store)
    with pytest.raises(P.PanelError):
        smartcity_kg.panel(rule="all", graph_or_store=store)


def test_the_module_is_callable_either_way():
    import importlib

    module = importlib.import_module("smartcity_kg.panel")
    assert smartcity_kg.panel is module and callable(module)
    assert module.panel is module.build_panel
