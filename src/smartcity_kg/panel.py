"""The unit-by-year treatment panel: `smartcity-kg panel` and `smartcity_kg.panel(...)`.

The panel is `smartcity_kg.treatment.treatment_table` spread over years: one
row per panel unit and year from `year_from` to `year_to` (a balanced panel
keyed on `code`), `treated` = 1 from `first_year` on. docs/panel.md describes
every column and rule; the companion file written beside the panel
(FILE.json) records the rule, year basis, reading, graph version and queries.

    import smartcity_kg
    df = smartcity_kg.panel(level="prefecture", rule="any")   # a pandas DataFrame
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import types
from pathlib import Path

from smartcity_kg import __version__
from smartcity_kg import treatment as T

FORMATS = ("csv", "dta", "parquet")
SUFFIXES = {".csv": "csv", ".dta": "dta", ".parquet": "parquet", ".pq": "parquet"}
DEFAULT_FROM, DEFAULT_TO = 2008, 2020
MIN_YEAR, MAX_YEAR = 1949, 2100
PILOT_SEPARATOR = ";"

RULE_TEXT = {
    "city": "treated from the first year in which the {unit} itself is a pilot's territory",
    "any": "treated from the first year in which the {unit} itself, or anything within it (district, county, "
           "town or zone, expansions included), is a pilot's territory",
}
BASIS_TEXT = {
    "batch": "the batch's nominal year (2012, 2013, 2014)",
    "announced": "the year the batch was announced (2013-01-29, 2013-08-05, 2015-04-07: 2013, 2013, 2015)",
}
READING_TEXT = {
    "preferred": "the curated (preferred) reading of the pilot lists",
    "alternative": "every alternative reading recorded in the graph applied (H2, NMG, YUHUI)",
}

# Column: (Stata label, description). Order is the panel's column order.
COLUMNS = {
    "code": ("GB/T 2260 code of the unit as of 2012-2015", "GB/T 2260 code of the unit's earliest 2012-2015 record: the panel key"),
    "name": ("name as of 2012-2015", "Chinese name of that record"),
    "name_en": ("English name", "English name of that record"),
    "province": ("province", "Chinese name of the province-level unit it lies in"),
    "province_code": ("province code", "GB/T 2260 code of the province"),
    "prefecture_code": ("prefecture code (county level)", "code of the parent prefecture-level unit (county level; municipality for its districts; empty when province-administered)"),
    "prefecture": ("prefecture (county level)", "name of that parent unit (county level)"),
    "unit_type": ("unit type (sc:UnitType)", "sc:UnitType of the record: PrefectureCity, Prefecture, AutonomousPrefecture, League, Municipality, CountyCity, District, County, ..."),
    "kind": ("prefecture, municipality, province-administered, county", "prefecture | municipality | province-administered | county"),
    "municipality": ("1 = Beijing, Tianjin, Shanghai, Chongqing (or their districts)", "1 for the four municipalities (prefecture level) or their districts and counties (county level)"),
    "province_administered": ("1 = county-level unit directly under a province", "1 for county-level units directly under a province (济源, 仙桃, 潜江, 天门, 神农架, Hainan's, XPCC cities)"),
    "successor_code": ("code(s) of the unit as of 2024 where it changed", "code(s) of the unit(s) holding its area at year-end 2024, where it changed since (';'-joined)"),
    "successor_name": ("name(s) of the successor(s)", "name(s) of those successors"),
    "year": ("year", "calendar year"),
    "treated": ("1 = treated in this year (rule, year basis)", "1 when year >= first_year"),
    "first_year": ("first year treated (rule, year basis)", "first year treated under the rule and year basis; missing if never"),
    "batch": ("nominal batch (2012/2013/2014) of first treatment", "nominal year of the earliest batch among the pilots behind the treatment"),
    "partial": ("1 = a pilot within, but the unit itself never one", "1 when a pilot lies within the unit but the unit itself is never a pilot (first_year_city missing, first_year_any not)"),
    "event_time": ("year - first_year", "year minus first_year (missing if never treated)"),
    "first_year_city": ("first year under rule city", "first year under rule city (the unit itself), same year basis"),
    "first_year_any": ("first year under rule any", "first year under rule any (the unit or any pilot within it), same year basis"),
    "prefecture_first_year": ("first year its prefecture itself is a pilot", "first year a unit containing it (its prefecture) is itself a pilot (county level)"),
    "pilots": ("IRIs of the pilots behind treated (;-joined)", "IRIs of the pilots behind the treatment in this year (';'-joined; empty when untreated)"),
    "readings": ("IRIs of the alternative readings applied", "IRIs of the alternative readings behind those pilots, if any"),
    "records": ("unit record ids (code-year) in 2012-2015", "the graph's unit records of this panel unit, earliest first (renamed or re-coded within 2012-2015)"),
    "period_years": ("year-ends 2012-2015 the unit exists", "year-ends 2012-2015 at which a record of the unit exists"),
    "unit_iri": ("IRI of the unit record", "IRI of the earliest record"),
}
INT_COLUMNS = ("first_year", "batch", "event_time", "first_year_city", "first_year_any", "prefecture_first_year")


class PanelError(ValueError):
    """A bad argument to the panel: reported by the command with exit status 2."""


def _require_pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise PanelError("the panel needs pandas: pip install 'pandas>=2.1' "
                         "(or install smartcity-kg with its panel dependencies)") from exc
    return pd


def check_years(year_from, year_to):
    for name, y in (("--from", year_from), ("--to", year_to)):
        if not isinstance(y, int) or not MIN_YEAR <= y <= MAX_YEAR:
            raise PanelError(f"{name} must be a year between {MIN_YEAR} and {MAX_YEAR}, not {y!r}")
    if year_from > year_to:
        raise PanelError(f"--from {year_from} is after --to {year_to}")


def build_panel(level="prefecture", year_from=DEFAULT_FROM, year_to=DEFAULT_TO, rule="city",
                year_basis="batch", reading="preferred", graph_or_store=None, *,
                equivalents=True, through_prefecture=False):
    """The panel as a pandas DataFrame: one row per panel unit and year, `year_from` to `year_to`.

    `level` "prefecture" | "county"; `rule` "city" | "any"; `year_basis`
    "batch" | "announced"; `reading` "preferred" | "alternative" (or a list of
    hypotheses such as ["H2"]); `graph_or_store` a pyoxigraph Store or rdflib
    Graph (default: the graph of dist/, built in memory when absent or stale);
    `equivalents=False` drops the municipalities and province-administered
    units from the prefecture-level panel; `through_prefecture=True` (county
    level) also treats a county from the year its prefecture is itself a pilot.
    The DataFrame's `attrs["smartcity_kg"]` holds the companion metadata.
    """
    pd = _require_pandas()
    check_years(year_from, year_to)
    for name, value, allowed in (("level", level, T.LEVELS), ("rule", rule, T.RULES),
                                 ("year_basis", year_basis, T.YEAR_BASES)):
        if value not in allowed:
            raise PanelError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    try:
        T._hypotheses(reading)
    except ValueError as exc:
        raise PanelError(str(exc)) from exc
    store = T.as_store(graph_or_store)
    table = T.treatment_table(level, rule, year_basis, reading, store,
                              equivalents=equivalents, through_prefecture=through_prefecture)
    columns = [c for c in COLUMNS if level == "county" or c not in ("prefecture_code", "prefecture", "prefecture_first_year")]
    rows = []
    for unit in table:
        first = unit["first_year"]
        for year in range(year_from, year_to + 1):
            treated = first is not None and year >= first
            rows.append({
                **{c: unit[c] for c in ("code", "name", "name_en", "province", "province_code", "prefecture_code",
                                        "prefecture", "unit_type", "kind", "municipality", "province_administered",
                                        "successor_code", "successor_name", "first_year", "batch", "partial",
                                        "first_year_city", "first_year_any", "prefecture_first_year", "unit_iri")},
                "year": year,
                "treated": int(treated),
                "event_time": None if first is None else year - first,
                "pilots": PILOT_SEPARATOR.join(p["pilot"] for p in unit["pilots"] if p["year"] <= year),
                "readings": PILOT_SEPARATOR.join(sorted({p["reading"] for p in unit["pilots"]
                                                         if p["reading"] and p["year"] <= year})),
                "records": ";".join(unit["records"]),
                "period_years": ";".join(str(y) for y in unit["years"]),
            })
    frame = pd.DataFrame(rows, columns=columns)
    for col in INT_COLUMNS:
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    for col in ("year", "treated", "partial", "municipality", "province_administered"):
        frame[col] = frame[col].astype("int64")
    frame.attrs["smartcity_kg"] = metadata(level, year_from, year_to, rule, year_basis, reading, store, table,
                                           frame, equivalents=equivalents, through_prefecture=through_prefecture)
    return frame


def citation(level, rule, year_basis, reading, year_from, year_to, through_prefecture=False):
    """One sentence a paper can use to say which treatment variable it used."""
    unit = "prefecture-level unit" if level == "prefecture" else "county-level unit"
    what = ("it as a pilot" if rule == "city"
            else "it or any pilot within it (district, county, town or zone, expansions included)")
    if through_prefecture:
        what += " or its prefecture as a pilot"
    basis = "nominal year" if year_basis == "batch" else "announcement year"
    if isinstance(reading, str):
        read = f"{reading} reading"
    else:
        read = "alternative reading " + "+".join(reading)
    return (f"Treatment: a {unit} is treated from the {basis} of the first batch that named {what} "
            f"(smartcity-kg {__version__}, {level} panel {year_from}-{year_to}, rule {rule}, "
            f"{year_basis} years, {read}).")


def python_call(level, year_from, year_to, rule, year_basis, reading, equivalents=True, through_prefecture=False):
    """The Python call that gives the same panel."""
    extra = ("" if equivalents else ", equivalents=False") + (", through_prefecture=True" if through_prefecture else "")
    return (f"smartcity_kg.panel(level={level!r}, year_from={year_from}, year_to={year_to}, rule={rule!r}, "
            f"year_basis={year_basis!r}, reading={reading!r}{extra})")


def metadata(level, year_from, year_to, rule, year_basis, reading, store, table, frame, *,
             equivalents=True, through_prefecture=False):
    """The companion record of a panel: what produced it, as a JSON-able dict."""
    treated = {}
    for unit in table:
        if unit["first_year"] is not None:
            treated[str(unit["first_year"])] = treated.get(str(unit["first_year"]), 0) + 1
    reading_value = reading if isinstance(reading, str) else list(reading)
    return {
        "dataset": "smartcity-kg",
        "version": __version__,
        "graph": T.graph_fingerprint(store),
        "level": level,
        "years": [year_from, year_to],
        "rule": rule,
        "rule_definition": RULE_TEXT[rule].format(unit="unit"),
        "year_basis": year_basis,
        "year_basis_definition": BASIS_TEXT[year_basis],
        "reading": reading_value,
        "reading_definition": READING_TEXT.get(reading_value, "the alternative readings of these hypotheses applied")
        if isinstance(reading_value, str) else "the alternative readings of these hypotheses applied",
        "equivalents": equivalents,
        "through_prefecture": through_prefecture,
        "partial_definition": "partial = 1: a pilot lies within the unit, but the unit itself is never a pilot",
        "units": len(table),
        "rows": len(frame),
        "treated_units_by_first_year": dict(sorted(treated.items())),
        "citation": citation(level, rule, year_basis, reading, year_from, year_to, through_prefecture),
        "python": python_call(level, year_from, year_to, rule, year_basis, reading_value, equivalents,
                              through_prefecture),
        "columns": {c: COLUMNS[c][1] for c in frame.columns},
        "queries": {"units": T.units_query(level), "treatment": T.treatment_query(level, reading)},
        "documentation": "docs/panel.md",
    }


# --- writing ---------------------------------------------------------------------------

def format_of(path, fmt=None):
    """The output format: `fmt` if given, else from the file's suffix, else csv."""
    if fmt:
        if fmt not in FORMATS:
            raise PanelError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        return fmt
    return SUFFIXES.get(Path(path).suffix.lower(), "csv")


def companion_path(path):
    """The companion file of a panel: FILE.json beside FILE (panel.dta -> panel.dta.json)."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def check_writable(path):
    """Fail early (before the panel is computed) when `path` cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise PanelError(f"cannot write {path}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise PanelError(f"cannot write {path}: no such directory {parent}")
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise PanelError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if not existed:
        path.unlink()


def write_panel(frame, path, fmt=None, command=None):
    """Write `frame` (from `build_panel`) to `path` as csv, dta or parquet, and its companion FILE.json.

    csv: UTF-8 without byte-order mark, comma-separated, "\\n" line ends,
    missing values empty. dta: Stata 14+ format (version 118, Unicode), with
    variable labels. parquet: via pyarrow. Returns (path, companion path).
    """
    fmt = format_of(path, fmt)
    check_writable(path)
    path = Path(path)
    meta = dict(frame.attrs.get("smartcity_kg", {}))
    meta["file"] = path.name
    meta["format"] = fmt
    if command:
        meta["command"] = command
    try:
        if fmt == "csv":
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        elif fmt == "dta":
            _write_dta(frame, path, meta)
        else:
            try:
                import pyarrow  # noqa: F401
            except ImportError as exc:
                raise PanelError("--format parquet needs pyarrow: pip install 'pyarrow>=14'") from exc
            out = frame.copy()
            out.attrs = {}
            out.to_parquet(path, index=False, engine="pyarrow")
        companion = companion_path(path)
        companion.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise PanelError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path, companion


def _write_dta(frame, path, meta):
    out = frame.copy()
    out.attrs = {}
    for col in INT_COLUMNS:
        if col in out:  # Stata has no nullable integers: doubles with missing (.)
            out[col] = out[col].astype("float64")
    strl = [c for c in out.columns if out[c].dtype == object or str(out[c].dtype).startswith("str")]
    # the pilot lists repeat from year to year and vary in length: Stata strL stores each value once
    long_strings = [c for c in strl if c in ("pilots", "readings")
                    or out[c].map(lambda v: len(str(v).encode("utf-8"))).max() > 2000]
    labels = {c: COLUMNS[c][0][:80] for c in out.columns}
    label = f"smartcity-kg {__version__} {meta.get('level', '')} panel, rule {meta.get('rule', '')}, {meta.get('year_basis', '')} years"
    out.to_stata(path, write_index=False, version=118, convert_strl=long_strings,
                 variable_labels=labels, data_label=label[:80])


def command_line(args):
    """The canonical command that reproduces a panel, every option explicit."""
    parts = ["smartcity-kg", "panel", "--level", args.level, "--from", str(args.year_from), "--to", str(args.year_to),
             "--rule", args.rule, "--year", args.year_basis, "--reading", args.reading]
    if getattr(args, "through_prefecture", False):
        parts.append("--through-prefecture")
    parts += ["--format", format_of(args.output, args.format), "-o", args.output]
    return shlex.join(parts)


def run_cli(args):
    """`smartcity-kg panel`: write the panel and its companion; exit 2 on a bad argument."""
    try:
        check_years(args.year_from, args.year_to)
        fmt = format_of(args.output, args.format)
        check_writable(args.output)
        _require_pandas()
        if fmt == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError as exc:
                raise PanelError("--format parquet needs pyarrow: pip install 'pyarrow>=14'") from exc
        frame = build_panel(args.level, args.year_from, args.year_to, args.rule, args.year_basis, args.reading,
                            through_prefecture=getattr(args, "through_prefecture", False))
        path, companion = write_panel(frame, args.output, fmt, command=command_line(args))
    except PanelError as exc:
        print(f"smartcity-kg panel: {exc}", file=sys.stderr)
        return 2
    meta = frame.attrs["smartcity_kg"]
    treated = ", ".join(f"{y}: {n}" for y, n in meta["treated_units_by_first_year"].items())
    print(f"{path}: {meta['units']} units x {args.year_to - args.year_from + 1} years = {len(frame)} rows "
          f"(first treated {treated or 'none'})")
    print(f"{companion}: rule, year basis, reading, graph version and queries")
    return 0


class _CallableModule(types.ModuleType):
    """Lets `smartcity_kg.panel(...)` work although `smartcity_kg.panel` is also this module."""

    def __call__(self, *args, **kwargs):
        return build_panel(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
panel = build_panel
