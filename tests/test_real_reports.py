"""Reports on the real public files of ../shared/data/real, read as a seller or a manager would.

Each real file becomes an incident folder (its ``incident.yaml`` names the file where it
lies, never a copy), is ingested, and the report's sections are built from it. What is
checked is what a reader sees on the page: the dates under the charts, the topics given
to the quoted complaints, the alerts named in the key figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from crisis_kit.config import load_incident
from crisis_kit.ingest import ingest_incident
from crisis_kit.store import open_store

from . import test_real_data as real_files
from .conftest import CHROMIUM, REAL

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(),
    reason=f"the real data folder {REAL} is absent (it lives beside the checkout, in "
    "../shared/data/real, or set CRISIS_KIT_REAL_DATA); these tests read it in place and never copy it",
)

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (sudo apt-get install chromium fonts-noto-cjk)")


def incident_of(tmp_path: Path, name: str, asins: list[str], lang: str = "en",
                **extra: object) -> Path:
    """An incident folder for one real file (read in place), ingested; its incident.yaml."""
    entry = {"path": str(REAL / name), "marketplace": real_files.MARKETPLACE[name]}
    if name in real_files.MAPPING:
        entry.update(mapping=real_files.MAPPING[name], source="review")
    folder = tmp_path / re.sub(r"[^a-z0-9]+", "-", name.lower())[:30].strip("-")
    folder.mkdir(parents=True)
    (folder / "incident.yaml").write_text(yaml.safe_dump({
        "incident": folder.name, "title": name, "marketplace": real_files.MARKETPLACE[name],
        "language": lang, "asins": asins, "complaints": [entry], "sales": [], **extra,
    }, allow_unicode=True), encoding="utf-8")
    ingest_incident(load_incident(folder / "incident.yaml"))
    return folder / "incident.yaml"


def drawn(figure_html: str, script: str):
    """What ``script`` (a JavaScript function body) returns on a report figure Chromium drew."""
    from playwright.sync_api import sync_playwright
    from plotly.offline import get_plotlyjs

    page_html = (f"<html><head><meta charset='utf-8'><script>{get_plotlyjs()}</script></head>"
                 f"<body style='width:1100px'>{figure_html}</body></html>")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_content(page_html)
        page.wait_for_selector(".xtick text")
        found = page.evaluate(f"() => {{ {script} }}")
        browser.close()
    return found


def tick_labels(figure_html: str) -> list[str]:
    """The x-axis tick labels Chromium draws for a report figure (plotly picks them there)."""
    return drawn(figure_html, "return [...document.querySelectorAll('.xtick text')]"
                              ".map(t => t.textContent);")


@needs_chromium
@pytest.mark.parametrize(("name", "asins", "lang", "years"), [
    # amazon.in, 2018-11 to 2020-04: three calendar years under one axis
    (real_files.IPHONE, ["B07JWV47JW"], "en", {"2019", "2020"}),
    # JD.com, 2021-03 to 2022-08, in a Chinese report
    (real_files.JD, ["100019386660"], "zh", {"2021年", "2022年"}),
])
def test_a_chart_over_more_than_a_year_names_the_years_under_its_ticks(
        tmp_path, name, asins, lang, years):
    """Ticks months apart must say which year: "Nov 1 ... Nov 1" misleads a manager."""
    from crisis_kit.report import sections

    report = sections.build(incident_of(tmp_path, name, asins, lang), lang=lang)
    for figure in ("negative_volume", "rating_trajectory"):
        labels = tick_labels(report.figure(figure).html)
        assert len(labels) >= 4, (figure, labels)
        named = {y for y in years if any(y in label for label in labels)}
        assert named == years, (figure, labels)
        # no label is repeated: each tick is a distinct month of a distinct year
        assert len(set(labels)) == len(labels), (figure, labels)


@needs_chromium
def test_the_forecast_days_label_is_drawn_whole_inside_the_rating_chart(tmp_path):
    """The forecast day lies after the last review, at the plot's right edge: its label,
    centred on the dot, was cut there ("Forecast: 2020-05-0" on the amazon.in iPhone)."""
    from crisis_kit.report import sections

    report = sections.build(incident_of(tmp_path, real_files.IPHONE, ["B07JWV47JW"]), lang="en")
    forecast = report.analysis.summary()["rating"]["forecast_target_date"]
    assert forecast == "2020-05-08"
    text = report.strings.text("figures.forecast_date", date=report.strings.date(forecast))
    box = drawn(report.figure("rating_trajectory").html, f"""
        // the plot area: text past it is clipped (cliponaxis)
        const svg = document.querySelector('.nsewdrag').getBoundingClientRect();
        const label = [...document.querySelectorAll('.scatterlayer text')]
            .find(t => t.textContent === {text!r});
        if (!label) return null;
        const r = label.getBoundingClientRect();
        return {{left: r.left, right: r.right, svg_left: svg.left, svg_right: svg.right}};""")
    assert box is not None, text
    assert box["svg_left"] <= box["left"] and box["right"] <= box["svg_right"], box


# JD.com writes these in place of a review when the buyer wrote none (the README's "此用户未
# 填写评价内容 and the like"); found here by their wording, independently of the taxonomy.
JD_PLACEHOLDER = re.compile(r"^(?:此用户未(?:及时)?填写评价内容|您没有填写(?:评价)?内容(?:，默认好评)?|"
                            r"该用户觉得商品不错)$")


def test_jd_placeholders_for_no_review_are_no_complaint_topic(tmp_path):
    """"此用户未填写评价内容" (the buyer wrote nothing) is no quality complaint: its 内容 once
    made 59 of the 644 quality negatives of the product with most negatives."""
    from crisis_kit.analysis.topics import assign
    from crisis_kit.report import sections

    frame = real_files.jd().drop_duplicates(real_files.JD_KEY)
    placeholders = frame[frame["评论内容"].str.strip().str.match(JD_PLACEHOLDER)]
    # 2,326 rows of the file, 1,392 once its copies are set aside; 181 of them of 1-2 stars
    # (the README: "about 250 negatives", copies included)
    assert len(placeholders) > 1000 and 150 < (placeholders["打分"].astype(int) <= 2).sum() < 300
    yaml_path = incident_of(tmp_path, real_files.JD, ["100019386660"], "zh")
    with open_store(yaml_path.parent / "store.duckdb", read_only=True) as store:
        stored = store.con.execute(
            "SELECT source_row, topic, is_negative, title, text, reason, reason_group "
            "FROM events").df()
    said_nothing = stored[stored["source_row"].isin(placeholders.index + 1)]
    assert len(said_nothing) == len(placeholders)
    assert set(said_nothing["topic"]) == {"other"}
    assert set(assign(said_nothing).astype(str)) == {"other"}  # the analysis's rule agrees
    # a review that says more than the placeholder keeps its topic
    more = stored.assign(text="此用户未填写评价内容，空调不制冷").head(1)
    assert list(assign(more).astype(str)) == ["quality"]
    report = sections.build(yaml_path, lang="zh")
    quoted = report.analysis.representatives
    assert len(quoted) and not quoted["text"].fillna("").str.strip().str.match(JD_PLACEHOLDER).any()
    phrases = report.analysis.phrases
    for column in ("example_1", "example_2"):
        assert not phrases[column].str.contains("此用户未").any()
    summary = report.analysis.summary()["complaints"]
    negatives = stored[stored["is_negative"] & stored["source_row"].isin(
        frame.index[frame["商品ID"].str.strip() == "100019386660"] + 1)]
    assert summary["negative"] == len(negatives)
    assert summary["by_topic"]["quality"] == int((negatives["topic"] == "quality").sum())


def test_a_quiet_products_dip_caught_by_the_low_volume_detector_is_on_the_page(tmp_path):
    """B018Y22BI4 (about 1.5 reviews a day): 4.70 (2016-06) -> 4.16 (2016-07). The seed rule
    never fires; the low-volume detector does, on 2016-07-15 (docs/detection.md). The key
    figures said only "not fired" and "no onset", hiding the one alert that saw the dip."""
    from crisis_kit.report import sections
    from crisis_kit.report.keyfigures import key_figures

    for lang, words in (("en", ("low-volume detector: 2016-07-15", "`onset:` in incident.yaml")),
                        ("zh", ("低量检测器：2016年7月15日", "incident.yaml 中把 `onset:`"))):
        report = sections.build(incident_of(tmp_path / lang, real_files.DATAFINITI,
                                            ["B018Y22BI4"], lang), lang=lang)
        d = report.analysis.summary()["detection"]
        assert (d["alert_date"], d["onset"], d["low_volume_alert_date"]) == (None, None, "2016-07-15")
        html = key_figures(report).html
        for text in words:
            assert text in html, (lang, text)
        assert (report.strings.text("summary.no_alert") in html)  # the seed rule: not fired


def test_the_share_detectors_days_are_named_beside_the_alert(tmp_path):
    """The amazon.in iPhone: the seed rule fires on 2019-10-02 (a sale week, volume-driven);
    the share detector first fired on 2019-04-22 and the low-volume one on 2019-04-26."""
    from crisis_kit.report import sections
    from crisis_kit.report.keyfigures import key_figures

    report = sections.build(incident_of(tmp_path, real_files.IPHONE, ["B07JWV47JW"]), lang="en")
    d = report.analysis.summary()["detection"]
    assert (d["alert_date"], d["share_alert_date"], d["low_volume_alert_date"]) == (
        "2019-10-02", "2019-04-22", "2019-04-26")
    html = key_figures(report).html
    assert "Statistical detector: 2019-10-07; share detector: 2019-04-22; low-volume detector: " \
        "2019-04-26" in html
    assert "`onset:`" not in html  # an onset is set: no advice to set one


JD_ENTRY = ("  - path: {path}\n"
            "    mapping: {{asin: 商品ID, author: 用户ID, occurred_at: 评论时间, rating: 打分, "
            "text: 评论内容}}\n")


def _scaffold_with_jd(tmp_path: Path, source: str | None) -> Path:
    """`crisis-kit new`, then what its incident.yaml tells: the JD export listed under
    complaints (mapped), and the lines of every export we do not have deleted."""
    from crisis_kit.playbooks.scaffold import create_incident

    folder = create_incident(tmp_path, "jd-aircon", "product-defect", language="zh",
                             marketplace="CN")
    lines = (folder / "incident.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        if line.startswith(("complaints:", "sales:")):
            out.append(line)
            if line.startswith("complaints:"):
                out.append(JD_ENTRY.format(path=REAL / real_files.JD)
                           + (f"    source: {source}\n" if source else ""))
            skipping = True
            continue
        if skipping and line.startswith((" ", "#")):
            continue  # the entries of exports we do not have, deleted
        skipping = False
        out.append(line)
    (folder / "incident.yaml").write_text("".join(out), encoding="utf-8")
    return folder / "incident.yaml"


def test_an_incident_with_its_sales_lines_deleted_loads_as_crisis_kit_new_says(tmp_path, capsys):
    """The file `crisis-kit new` writes says: delete the lines of exports you do not have.
    A seller with reviews only deletes every line under `sales:`, which YAML reads as
    null: that was refused as "sales: Input should be a valid list"."""
    from crisis_kit.cli import main

    path = _scaffold_with_jd(tmp_path, "review")
    assert "\nsales:\nactions:" in path.read_text(encoding="utf-8")
    incident = load_incident(path)
    assert incident.sales == [] and len(incident.complaints) == 1
    assert main(["ingest", str(path), "--quiet"]) == 0
    expected = real_files.expected_counts(real_files.JD)
    assert main(["inspect", str(REAL / real_files.JD), "--marketplace", "CN"]) == 1  # no format
    err = capsys.readouterr().err
    assert "mapping:" in err and real_files.JD in err
    with open_store(path.parent / "store.duckdb", read_only=True) as store:
        (read, accepted, rejected, duplicates), = store.con.execute(
            "SELECT rows_read, accepted, rejected, duplicates FROM files WHERE name = ?",
            [real_files.JD]).fetchall()
    assert {"read": read, "accepted": accepted, "rejected": rejected,
            "duplicates": duplicates} == expected


def test_a_mapped_rated_file_without_a_source_is_warned_about(tmp_path, capsys):
    """Without `source: review` the JD reviews were stored as source 'other': counted as
    complaints, never in the rating (the report showed "— → — → —") and nothing said why."""
    from crisis_kit.cli import main

    path = _scaffold_with_jd(tmp_path / "without", None)
    assert main(["ingest", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"warning: {real_files.JD}: the mapping names a `rating` but the file has no " \
        "`source:`" in out
    assert "add `source: review`" in out
    path = _scaffold_with_jd(tmp_path / "with", "review")
    assert main(["ingest", str(path)]) == 0
    assert "warning:" not in capsys.readouterr().out


def test_a_file_of_no_known_format_is_told_how_to_map_it(capsys):
    """JD's export has no format of its own: the refusal must lead a seller to the mapping
    that reads it (the fields, the source and where the docs list them), not only say
    "give a `mapping:`"."""
    from crisis_kit.cli import main

    assert main(["inspect", str(REAL / real_files.JD), "--marketplace", "CN"]) == 1
    err = capsys.readouterr().err
    assert str(REAL / real_files.JD) in err and "评论内容" in err  # the file and its columns
    for words in ("`source: review`", "occurred_at: <date column>", "rating: <stars column>",
                  "text: <review column>", "docs/ingest.md"):
        assert words in err, words


def test_ingest_says_why_rows_were_rejected(tmp_path, capsys):
    """Amazon's three Sales and Traffic examples: 12 of 16 rows cannot be put on a day (9
    per-ASIN totals over several days, 2 week and 1 month totals). `crisis-kit ingest`
    said only "rejected 12"; the reasons were in the store and in `inspect` alone."""
    from crisis_kit.cli import main

    (tmp_path / "incident.yaml").write_text(yaml.safe_dump({
        "incident": "spapi", "marketplace": "US", "complaints": [],
        "sales": [{"path": str(REAL / real_files.SPAPI)}]}), encoding="utf-8")
    assert main(["ingest", str(tmp_path / "incident.yaml")]) == 0
    out = capsys.readouterr().out
    expected = real_files.expected_counts(real_files.SPAPI)
    assert (f"1 file: read {expected['read']} = accepted {expected['accepted']} + rejected "
            f"{expected['rejected']} + duplicates 0") in out
    assert f"{real_files.SPAPI}: 12 rejected rows, kept with their reasons:" in out
    assert "  9 rows (5, 6, 7, 10, 11, ...), column 'childAsin': per-ASIN totals for " \
        "2021-06-11..2021-06-14 cover several days" in out
    assert "  1 row (8), column 'date': a week total starting 2021-06-06" in out
    assert f"and 1 more reason: crisis-kit inspect {REAL / real_files.SPAPI}" in out
    assert main(["ingest", str(tmp_path / "incident.yaml"), "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_quoted_complaints_show_unknown_helpful_votes_as_unknown(tmp_path):
    """JD.com's export has no helpful votes: the quotes showed "有用票数 0" for each, as if
    nobody had found them helpful. The amazon.in reviews have them: shown as the file has."""
    from crisis_kit.report import sections

    report = sections.build(incident_of(tmp_path / "jd", real_files.JD, ["100019386660"], "zh"),
                            lang="zh")
    quoted = report.analysis.representatives
    assert len(quoted) >= 6 and quoted["helpful_votes"].isna().all()
    html = report.representatives().html
    none = report.strings.text("none")
    assert html.count(f'<td class="ck-number">{none}</td>') == len(quoted)
    assert '<td class="ck-number">0</td>' not in html

    report = sections.build(incident_of(tmp_path / "in", real_files.IPHONE, ["B07JWV47JW"]),
                            lang="en")
    quoted = report.analysis.representatives
    events = report.analysis.events.set_index("event_id")
    rows = real_files.iphone().iloc[events.loc[quoted["event_id"], "source_row"] - 1]
    assert [None if pd.isna(v) else int(v) for v in quoted["helpful_votes"]] == [
        real_files.helpful(c) for c in rows["helpful_count"]]
    assert quoted["helpful_votes"].max() > 0


def test_the_chinese_poa_names_each_quoted_complaints_source_in_chinese(tmp_path):
    """The evidence appendix of the zh Plan of Action listed each complaint as `review`."""
    from crisis_kit.pipeline import run_analysis

    path = incident_of(tmp_path, real_files.JD, ["100019386660"], "zh")
    poa = run_analysis(load_incident(path), lang="zh").poa
    complaints = poa.evidence[poa.evidence["kind"] == "complaint"]
    assert len(complaints) and set(complaints["detail"]) == {"review"}  # the data keeps the code
    rows = [line for line in poa.markdown().splitlines()
            if line.startswith("| 投诉 |") and real_files.JD in line]
    assert len(rows) == len(complaints)
    assert all(line.split(" | ")[3] == "评论" for line in rows), rows[:2]


def test_the_evidence_appendix_says_why_rows_were_rejected(tmp_path):
    """The appendix counted "Rejected 12" for Amazon's Sales and Traffic examples and never
    said why: a manager could not tell a bad export from a report of the wrong kind."""
    from crisis_kit.report import sections

    path = incident_of(tmp_path, real_files.DATAFINITI, ["B018Y22BI4"],
                       **{"sales": [{"path": str(REAL / real_files.SPAPI)}]})
    report = sections.build(path, lang="en")
    reasons = report.analysis.rejections
    # independently: 9 per-ASIN totals over several days, 2 week and 1 month totals
    docs = real_files.spapi_documents()
    per_asin = sum(len(d["salesAndTrafficByAsin"]) for d in docs
                   if d["reportSpecification"]["dataStartTime"]
                   != d["reportSpecification"]["dataEndTime"])
    assert per_asin == 9
    assert list(reasons["rows"]) == [9, 1, 1] and list(reasons["first_row"]) == [5, 8, 9]
    assert set(reasons["source_file"]) == {real_files.SPAPI}
    html = report.evidence_files().html
    assert "Why rows were rejected" in html
    assert ("per-ASIN totals for 2021-06-11..2021-06-14 cover several days" in html
            and "a week total starting 2021-06-06" in html)
    zh = sections.build(path, lang="zh").evidence_files().html
    assert "被拒绝的行及原因" in zh


def test_the_evidence_appendix_reconciles_the_files_with_the_incidents_count(tmp_path):
    """JD's export holds 24 products: the appendix said "accepted 10,866" and the summary
    "4,490 complaint signals" with nothing between them."""
    from crisis_kit.report import sections

    frame = real_files.jd().drop_duplicates(real_files.JD_KEY)
    ours = int((frame["商品ID"].str.strip() == "100019386660").sum())
    accepted = real_files.expected_counts(real_files.JD)["accepted"]
    assert (ours, accepted) == (4490, 10866)
    report = sections.build(incident_of(tmp_path / "jd", real_files.JD, ["100019386660"], "zh"),
                            lang="zh")
    assert report.analysis.summary()["complaints"]["total"] == ours
    assert (f"这些文件共新增 {accepted:,} 条投诉事件，本报告统计其中 {ours:,} 条"
            in report.evidence_files().html)
    # every stored event counted (one product, no cut): no such note
    report = sections.build(incident_of(tmp_path / "in", real_files.IPHONE, ["B07JWV47JW"]),
                            lang="en")
    assert "complaint events these files added" not in report.evidence_files().html


def test_jd_phrase_table_leads_with_what_went_wrong_not_when(tmp_path):
    """The zh phrase table of the real JD air conditioner (product 100019386660) once led
    with 今天, 一天, 两天, 收到, 需要, 预计 (days and receipt fillers): they say when, not
    what. They are stop words now; what the buyers complain of stays (the installer who
    does not answer the phone, the brackets and copper pipes charged extra)."""
    from crisis_kit.analysis.phrases import tokens
    from crisis_kit.report import sections

    fillers = {"今天", "一天", "两天", "收到", "需要", "预计", "前几天", "之后"}
    sentence = "今天收到货了，但安装排到十天后了，铜管不够还需要另行购买"
    assert not fillers & set(tokens(sentence, "zh")) and "铜管" in tokens(sentence, "zh")
    report = sections.build(incident_of(tmp_path, real_files.JD, ["100019386660"], "zh"),
                            lang="zh")
    top = report.analysis.phrases["phrase"].head(20).tolist()
    assert len(top) >= 10
    assert not [p for p in top if p in fillers or any(p.startswith(f) for f in fillers)], top
    assert {"不接", "铜管", "支架"} <= set(top), top
