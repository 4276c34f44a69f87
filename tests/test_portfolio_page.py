"""The portfolio page: one panel per alerting (marketplace, brand, ASIN), and each incident's report.

A portfolio written by hand: the same ASIN in US and UK under one brand, in US under a
second brand, and in DE (calm); its events from four incidents, one exported (with
untrusted text in its paths, title and report address), one ingested directly, one with
no manifest and a name holding ``<script>``. Panels are checked against counts made by
hand; the incidents' manifests against the CLI's own parser.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crisis_kit.cli import _parser, main
from crisis_kit.portfolio import export_incident, scan
from crisis_kit.portfolio.page import _daily, _series, write_page
from crisis_kit.portfolio.workspace import (
    ingest_files,
    manifest_path,
    read_manifests,
    write_manifest,
)
from crisis_kit.report.workspace import find_incidents

from .conftest import FIXTURES

DAY = dt.date(2022, 5, 3)
ASIN = "B0DUP00001"
SCRIPT = "<script>alert(1)</script>"
# the same ASIN in four places: negatives on DAY (every other day: one), by incident
TODAY = {("US", "acme", "acme-2022"): 8, ("US", "acme", "acme-watch"): 4,
         ("UK", "acme", "acme-2022"): 7, ("US", "zeta", SCRIPT): 20, ("DE", "acme", "acme-2022"): 1}
# a directory path whose text holds a script tag: '<script>alert(2)<' / 'script>'
EVIL_DIR = "/srv/<script>alert(2)</script>/bottles"


def _events(market: str, brand: str, incident: str, today: int) -> pd.DataFrame:
    """64 days: 3 five-star reviews and 1 one-star review a day, ``today`` one-stars on DAY.

    Where one place has two incidents, the second holds only DAY's events.
    """
    rows = []
    first = incident != "acme-watch"
    for back in range(64):
        day = DAY - dt.timedelta(days=back)
        negatives = today if back == 0 else (1 if first else 0)
        rows += [(day, 5.0, False)] * (3 if first else 0) + [(day, 1.0, True)] * negatives
    days = [d for d, _, _ in rows]
    rows = [(r, n) for _, r, n in rows]
    return pd.DataFrame({
        "incident": incident, "asin": ASIN, "source": "review", "local_date": days,
        "rating": [r for r, _ in rows], "is_negative": [n for _, n in rows],
        "topic": ["quality" if n else "other" for _, n in rows],
        "event_id": [f"{market}-{incident}-{i}" for i in range(len(rows))]})


def make_portfolio(root: Path) -> Path:
    """Write the hand-made portfolio and its manifests; return its folder."""
    from crisis_kit.portfolio.workspace import slug

    con = duckdb.connect()
    for (market, brand, incident), today in TODAY.items():
        folder = root / "events" / f"marketplace={market}" / f"brand={brand}"
        folder.mkdir(parents=True, exist_ok=True)
        frame = _events(market, brand, incident, today)  # noqa: F841 (read by DuckDB)
        con.execute(f"COPY (SELECT incident, asin, source, CAST(local_date AS DATE) AS "
                    f"local_date, rating, is_negative, topic, event_id FROM frame ORDER BY "
                    f"local_date, event_id) TO '{folder / (slug(incident) + '.parquet')}' "
                    f"(FORMAT parquet)")
    yaml = Path(EVIL_DIR) / "incident.yaml"
    write_manifest(root, "acme", "acme-2022", "export-parquet",
                   "../bottles/incident.yaml", yaml, title="<img src=x onerror=alert(3)>",
                   report_url="javascript:alert(4)", store=str(yaml.parent / "store.duckdb"))
    write_manifest(root, "acme", "acme-watch", "portfolio ingest",
                   store=".stores/acme/acme-watch.duckdb")
    return root


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    return make_portfolio(tmp_path_factory.mktemp("page") / "portfolio")


def test_one_panel_per_marketplace_brand_and_asin_each_with_its_own_figures(portfolio):
    result = scan(portfolio, as_of=DAY)
    alerting = set(zip(result.alerting["marketplace"], result.alerting["brand"],
                       result.alerting["asin"], strict=True))
    assert alerting == {("US", "acme", ASIN), ("UK", "acme", ASIN), ("US", "zeta", ASIN)}
    frame, sources = _daily(portfolio, result)
    series = _series(frame, DAY)
    assert set(series) == alerting  # DE (calm) is not drawn, though its ASIN alerts elsewhere
    today = {key: int(s["negative"].iloc[-1]) for key, s in series.items()}
    assert today == {("US", "acme", ASIN): 12, ("UK", "acme", ASIN): 7, ("US", "zeta", ASIN): 20}
    for key, s in series.items():
        assert len(s) == 60 and s["local_date"].iloc[-1] == pd.Timestamp(DAY)
        assert (s["negative"].iloc[:-1] == 1).all()
        # 30 days of 3 five-star and 1 one-star reviews, the last with today's one-stars
        n = today[key]
        assert s["rating"].iloc[-1] == pytest.approx((29 * 16 + 15 + n) / (29 * 4 + 3 + n))
        assert s["rating"].iloc[-2] == pytest.approx(4.0)
    assert series[("US", "acme", ASIN)]["rating"].iloc[-1] != \
        series[("UK", "acme", ASIN)]["rating"].iloc[-1]
    named = sources.groupby(["marketplace", "brand"])["incident"].apply(list).to_dict()
    assert named == {("UK", "acme"): ["acme-2022"], ("US", "acme"): ["acme-2022", "acme-watch"],
                     ("US", "zeta"): [SCRIPT]}


def _plots(html: str) -> dict[str, list]:
    """Each panel's traces, as plotly's JSON in the page, by the panel's div id."""
    found = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"(portfolio-chart-\d+)",\s*', html):
        data, _ = json.JSONDecoder().raw_decode(html, match.end())
        found[match.group(1)] = data
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_titles_panels_with_all_three_keys_and_draws_each_its_own(portfolio, tmp_path,
                                                                          lang):
    result = scan(portfolio, as_of=DAY)
    html = write_page(result, portfolio, tmp_path / "p.html", lang=lang).read_text("utf-8")
    titles = re.findall(r"<h3>(.*?)</h3>", html)
    pattern = "{a} ({m}, {b})" if lang == "en" else "{a}（{m}，{b}）"
    assert titles == [pattern.format(a=r.asin, m=r.marketplace, b=r.brand)
                      for r in result.alerting.itertuples()]  # the ranking's order
    assert len(titles) == 3 and not any("DE" in t for t in titles)
    plots = _plots(html)
    assert sorted(plots) == [f"portfolio-chart-{i}" for i in range(3)]
    by_title = {t: plots[f"portfolio-chart-{i}"] for i, t in enumerate(titles)}
    today = {m + b: data[0]["y"] for (m, b), data in (
        (("US", "acme"), by_title[pattern.format(a=ASIN, m="US", b="acme")]),
        (("UK", "acme"), by_title[pattern.format(a=ASIN, m="UK", b="acme")]),
        (("US", "zeta"), by_title[pattern.format(a=ASIN, m="US", b="zeta")]))}
    assert {k: v[-1] for k, v in today.items()} == {"USacme": 12, "UKacme": 7, "USzeta": 20}
    assert all(v[:-1] == [1] * 59 for v in today.values())
    assert len({json.dumps(v, sort_keys=True) for v in today.values()}) == 3


def test_each_incident_named_with_its_report_as_escaped_text_never_a_link(portfolio, tmp_path):
    result = scan(portfolio, as_of=DAY)
    html = write_page(result, portfolio, tmp_path / "p.html").read_text("utf-8")
    body = html[html.index("</table>"):]
    charts = body[body.index('id="portfolio-charts"'):]
    assert "<a " not in body and "href" not in body.replace('"href"', "")
    # untrusted text is escaped everywhere: the incident's name, its paths, title, address
    for raw in (SCRIPT, "<script>alert(2)</script>", "<img src=x onerror=alert(3)>"):
        assert raw not in charts
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in charts
    assert "/srv/&lt;script&gt;alert(2)&lt;/script&gt;/bottles/reports/acme-2022.html" in charts
    assert ("crisis-kit report &#39;/srv/&lt;script&gt;alert(2)&lt;/script&gt;/bottles/"
            "incident.yaml&#39; --out &#39;/srv/&lt;script&gt;alert(2)&lt;/script&gt;/bottles/"
            "reports&#39;") in charts
    assert "&lt;img src=x onerror=alert(3)&gt;" in charts and "javascript:alert(4)" in charts
    assert "../bottles/incident.yaml" in charts  # as given, beside the resolved path
    # the directly ingested incident: no report command, its store named
    assert "none: ingested directly (crisis-kit portfolio ingest)" in charts
    assert str(portfolio / ".stores/acme/acme-watch.duckdb") in charts
    # no manifest: the command that would record one
    assert (f"crisis-kit export-parquet path/to/incident.yaml {portfolio} --brand zeta"
            in charts)
    # every panel lists its own incidents only
    panels = charts.split('<section class="panel">')[1:]
    uk = next(p for p in panels if f"{ASIN} (UK, acme)" in p)
    assert "acme-2022" in uk and "acme-watch" not in uk


def test_the_page_and_the_manifests_are_the_same_bytes_again(portfolio, tmp_path):
    result = scan(portfolio, as_of=DAY)
    first = write_page(result, portfolio, tmp_path / "a.html").read_bytes()
    manifests = {p: p.read_bytes() for p in (portfolio / "incidents").rglob("*.json")}
    make_portfolio(portfolio)
    assert write_page(scan(portfolio, as_of=DAY), portfolio, tmp_path / "b.html").read_bytes() \
        == first
    assert {p: p.read_bytes() for p in (portfolio / "incidents").rglob("*.json")} == manifests
    from plotly.offline import get_plotlyjs

    # no clock: days only (plotly.js's own text aside)
    assert not re.search(r"\d\d:\d\d", first.decode().replace(get_plotlyjs(), ""))


def test_zh_labels_for_every_incident_line(portfolio, tmp_path):
    html = write_page(scan(portfolio, as_of=DAY), portfolio, tmp_path / "p.html",
                      lang="zh").read_text("utf-8")
    charts = html[html.index('id="portfolio-charts"'):]
    for words in ("其事件来自", "报告：", "生成或更新报告：", "incident.yaml：",
                  "incident.yaml（导出时所写）：", "团队查看报告的位置：", "无：该事件由 crisis-kit "
                  "portfolio ingest 直接导入", "其证据库：", "无清单", "路径/incident.yaml"):
        assert words in charts, words
    for english in ("Report:", "Make or refresh", "Its store", "No manifest"):
        assert english not in html


def test_export_records_the_incident_yaml_and_the_command_that_makes_its_report(
        sample_incident, tmp_path, capsys):
    # the sample incident (with its store) in a folder whose path holds a script tag
    folder = tmp_path / "<script>alert(5)<" / "script>" / "bottle valve"
    shutil.copytree(sample_incident.root, folder, ignore=shutil.ignore_patterns("*.wal"))
    given = folder / "incident.yaml"
    root = tmp_path / "portfolio"
    assert main(["export-parquet", str(given), str(root), "--brand", "Mellowkin"]) == 0
    manifest = manifest_path(root, "Mellowkin", "bottle-valve-2022")
    assert f"wrote {manifest}" in capsys.readouterr().out
    record = json.loads(manifest.read_text("utf-8"))
    assert record == {
        "incident": "bottle-valve-2022", "title": sample_incident.title, "brand": "Mellowkin",
        "brand_folder": "mellowkin", "marketplaces": ["US"], "route": "export-parquet",
        "incident_yaml": str(given), "incident_yaml_resolved": str(given.resolve()),
        "report": str(given.resolve().parent / "reports" / "bottle-valve-2022.html"),
        "report_command": record["report_command"], "report_url": None,
        "store": str((folder / "store.duckdb").resolve())}
    # the command, read by the CLI's own parser: this incident.yaml, written to that folder
    words = shlex.split(record["report_command"])
    assert words[0] == "crisis-kit"
    args = _parser().parse_args(words[1:])
    assert args.func.__name__ == "_cmd_report" and Path(args.incident) == given.resolve()
    assert Path(args.out) / "bottle-valve-2022.html" == Path(record["report"])
    # the same folder crisis-kit compare reads an incident's reports from
    (found,) = find_incidents(tmp_path / "<script>alert(5)<" / "script>")
    assert found.root / "reports" == Path(args.out)
    before = manifest.read_bytes()
    export_incident(str(given), root, "Mellowkin")
    assert manifest.read_bytes() == before
    assert read_manifests(root) == {("mellowkin", "bottle-valve-2022"): record}


def test_direct_ingest_records_its_store_and_no_incident_yaml(tmp_path):
    root = tmp_path / "p"
    done = ingest_files(root, "Acme", "valve-watch",
                        [FIXTURES / "exports" / "claims-pass.csv"])
    assert done.manifest == root / "incidents" / "brand=acme" / "valve-watch.json"
    assert json.loads(done.manifest.read_text("utf-8")) == {
        "incident": "valve-watch", "title": None, "brand": "Acme", "brand_folder": "acme",
        "marketplaces": ["US"], "route": "portfolio ingest", "incident_yaml": None,
        "incident_yaml_resolved": None, "report": None, "report_command": None,
        "report_url": None, "store": ".stores/acme/valve-watch.duckdb"}
    assert (root / json.loads(done.manifest.read_text("utf-8"))["store"]) == done.store


def test_a_broken_manifest_is_named_with_its_line_and_column(tmp_path):
    path = tmp_path / "incidents" / "brand=acme" / "x.json"
    path.parent.mkdir(parents=True)
    path.write_text('{\n  "incident": "x",\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(Exception) as info:
        read_manifests(tmp_path)
    assert str(path) in str(info.value) and "line 3, column 3" in str(info.value)
    assert "export the incident again" in str(info.value)


def test_scale_md_describes_every_key_of_the_manifest(tmp_path):
    text = (Path(__file__).resolve().parents[1] / "docs" / "scale.md").read_text("utf-8")
    section = text.split("### The incidents' manifests\n", 1)[1].split("\n## ", 1)[0]
    described = [k for row in re.findall(r"^\| (`\w+`(?:, `\w+`)*) \|", section, flags=re.M)
                 for k in re.findall(r"`(\w+)`", row)]
    example = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    done = ingest_files(tmp_path / "p", "Acme", "x", [FIXTURES / "exports" / "claims-pass.csv"])
    keys = list(json.loads(done.manifest.read_text("utf-8")))
    assert described == keys and list(example) == keys


def test_an_export_with_no_incident_yaml_known_is_told_to_export_again_by_path(tmp_path,
                                                                              capsys):
    from crisis_kit.language import load_strings
    from crisis_kit.portfolio.page import _NAMED, _NAMES, _incident_lines

    p = dict(load_strings("en").section("portfolio"))
    p.update({key: p[key].format(**_NAMES) for key in _NAMED})
    record = {"incident": "x", "route": "export-parquet", "incident_yaml": None,
              "incident_yaml_resolved": None, "store": "/s/store.duckdb"}
    (line,) = _incident_lines(record, "acme", Path("/p f"), p)
    assert line["value"] == "crisis-kit export-parquet path/to/incident.yaml '/p f' --brand acme"
    # the CLI's --json names the manifest of a direct ingest
    assert main(["portfolio", "ingest", str(tmp_path / "p"), str(FIXTURES / "exports" /
                 "claims-pass.csv"), "--brand", "Acme", "--incident", "x", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["manifest"] == str(tmp_path / "p" / "incidents" / "brand=acme" / "x.json")
