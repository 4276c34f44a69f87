"""The ``crisis-kit`` command: parse arguments, call the library, print.

Exit codes: 0 success, 1 error (including a failed statement lint), 2 usage,
3 alert active (``monitor``, ``portfolio scan``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import CrisisKitError

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]


def _progress_enabled(args: argparse.Namespace) -> bool:
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def _counts_line(report) -> str:
    return (f"{Path(report.path).name}: {report.format} ({report.encoding}) -> {report.table}: "
            f"read {report.read} = accepted {report.accepted} + rejected {report.rejected} "
            f"+ duplicates {report.duplicates}")


def _cmd_inspect(args: argparse.Namespace) -> int:
    import datetime as dt

    from .errors import CrisisKitError
    from .ingest import inspect_file

    try:
        report = inspect_file(args.file, format=args.format, marketplace=args.marketplace,
                              encoding=args.encoding, sheet=args.sheet,
                              date=dt.date.fromisoformat(args.date) if args.date else None)
    except CrisisKitError as error:
        if not args.json:
            raise
        # a script reading --json gets JSON on a refusal too, and a non-zero exit
        print(json.dumps({"error": {"what": error.what, "where": error.where, "fix": error.fix}},
                         ensure_ascii=False, indent=2))
        return 1
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"file:      {args.file}")
    print(f"format:    {report.format}")
    print(f"encoding:  {report.encoding}")
    if report.sheet is not None:
        print(f"sheet:     {report.sheet} (header on row {report.header_row})")
    print(f"table:     {report.as_json()['table']}")
    if report.day is not None:
        print(f"day:       {report.day}")
    print(f"rows:      read {report.read} = accepted {report.accepted} + rejected "
          f"{report.rejected} + duplicates {report.duplicates}")
    if report.unknown_columns:
        print(f"unread columns: {', '.join(report.unknown_columns)}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for rejection in report.rejections[:20]:
        column = f", column {rejection['column']!r}" if rejection["column"] else ""
        print(f"  rejected row {rejection['row']}{column}: {rejection['reason']}")
    if len(report.rejections) > 20:
        print(f"  ... and {len(report.rejections) - 20} more rejected rows")
    return 0


def _summary_lines(reports: list) -> list[str]:
    """One line per file; a format with many files (daily Business Reports) in one line."""
    by_format: dict[str, list] = {}
    for report in reports:
        by_format.setdefault(report.format, []).append(report)
    lines = []
    for fmt, group in by_format.items():
        if len(group) <= 3:
            lines.extend(_counts_line(r) for r in group)
            continue
        read = sum(r.read for r in group)
        lines.append(
            f"{len(group)} {fmt} files ({Path(group[0].path).name} .. {Path(group[-1].path).name})"
            f" -> {group[0].table}: read {read} = accepted {sum(r.accepted for r in group)} "
            f"+ rejected {sum(r.rejected for r in group)} "
            f"+ duplicates {sum(r.duplicates for r in group)}")
    return lines


def _ingest(incident_path: Path, args: argparse.Namespace, quiet: bool) -> list:
    from .config import load_incident
    from .ingest import incident_files, ingest_incident

    incident = load_incident(incident_path)
    total = len(incident_files(incident))
    bar = None
    if _progress_enabled(args) and not quiet:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="ingest", unit="file", file=sys.stderr, leave=False)
    try:
        reports = ingest_incident(incident, on_file=lambda spec, report: bar and bar.update(1),
                                  progress=bar is not None)
    finally:
        if bar:
            bar.close()
    if not quiet:
        for line in _summary_lines(reports):
            print(line)
        for report in reports:
            for warning in report.warnings:
                print(f"warning: {Path(report.path).name}: {warning}")
        for line in _rejection_lines(reports):
            print(line)
    return reports


def _rejection_lines(reports: list, shown: int = 3) -> list[str]:
    """Why rows were rejected: each file's most frequent reasons, with their rows and column.

    The summary line says how many; a seller who reads "rejected 12" must not have to
    open the store to learn why (``inspect FILE`` lists every one).
    """
    lines = []
    for report in reports:
        if not report.rejections:
            continue
        groups: dict[tuple[str, str], list[int]] = {}
        for r in report.rejections:
            groups.setdefault((r["column"] or "", r["reason"]), []).append(r["row"])
        name = Path(report.path).name
        ranked = sorted(groups.items(), key=lambda g: (-len(g[1]), g[1][0]))
        lines.append(f"{name}: {report.rejected} rejected rows, kept with their reasons:")
        for (column, reason), rows in ranked[:shown]:
            where = ", ".join(str(row) for row in rows[:5]) + (", ..." if len(rows) > 5 else "")
            column = f", column {column!r}" if column else ""
            lines.append(f"  {len(rows)} row{'s' if len(rows) > 1 else ''} ({where}){column}: "
                         f"{reason}")
        if len(ranked) > shown:
            more = len(ranked) - shown
            lines.append(f"  and {more} more reason{'s' if more > 1 else ''}: "
                         f"crisis-kit inspect {report.path} lists every row")
    return lines


def _files(count: int) -> str:
    """``1 file``, ``3 files``."""
    return f"{count} file" + ("" if count == 1 else "s")


def _cmd_ingest(args: argparse.Namespace) -> int:
    reports = _ingest(Path(args.incident), args, quiet=args.quiet)
    if args.json:
        print(json.dumps([r.as_json() | {"path": r.path} for r in reports], ensure_ascii=False,
                         indent=2))
    elif not args.quiet:
        read = sum(r.read for r in reports)
        print(f"{_files(len(reports))}: read {read} = accepted {sum(r.accepted for r in reports)} "
              f"+ rejected {sum(r.rejected for r in reports)} "
              f"+ duplicates {sum(r.duplicates for r in reports)}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report.run import render_report

    paths = render_report(args.incident, out_dir=args.out, lang=args.lang, as_of=args.as_of,
                          quiet=args.quiet or not sys.stderr.isatty())
    pdf = None
    if getattr(args, "pdf", False):
        from .report.pdf import print_pdf

        pdf = print_pdf(paths.html, Path(paths.html).with_suffix(".pdf"))
    if not args.quiet:
        print(f"report: {paths.html}")
        print(f"notebook: {paths.notebook}")
        print(f"summary: {paths.summary}")
        if paths.poa is not None:  # the Plan of Action draft, editable (none without an onset)
            print(f"plan of action: {paths.poa}")
        if pdf is not None:
            print(f"pdf: {pdf}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .config import SAMPLE_INCIDENT

    if not SAMPLE_INCIDENT.exists():
        raise CrisisKitError("the bundled sample incident is missing", str(SAMPLE_INCIDENT),
                             "run `make samples` to generate it")
    print(f"crisis-kit demo: the sample incident {SAMPLE_INCIDENT.relative_to(REPO)}")
    _ingest(SAMPLE_INCIDENT, args, quiet=args.quiet)
    args.incident = str(SAMPLE_INCIDENT)
    args.out = args.out or str(REPO / "reports")
    return _cmd_report(args)


def _day_argument(value: str) -> str:
    """``--as-of``: a day as YYYY-MM-DD, or a usage error (exit 2)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day (YYYY-MM-DD)") from None


def _cmd_monitor(args: argparse.Namespace) -> int:
    import os

    from .config import load_incident
    from .monitor import check, notify

    state = check(args.incident, as_of=args.as_of, ingest=True)
    if args.json:
        print(json.dumps(state.as_json(), ensure_ascii=False, indent=2))
    elif not args.quiet:
        print(state.message)
    # The address may come from the environment, so that its secret stays out of `ps`,
    # shell history and crontab lines.
    webhook = args.webhook or os.environ.get("CRISIS_KIT_WEBHOOK", "")
    if webhook:
        # One message when an alert starts, changes kind or clears, one digest a day while
        # it lasts: never one per run (crisis_kit/monitor/notify.py).
        notify(state, load_incident(args.incident), webhook, format=args.webhook_format,
               style=args.webhook_style)
    return 3 if state.alert_active else 0


def _place(line: int, column: int) -> str:
    return f"{line}:{column}".ljust(7)


def _statement_lines(review, path: str, lang_given: bool) -> list[str]:
    """The human reading of a statement review: every finding with its place."""
    published = review.published_at.isoformat() if review.published_at else "unknown (no Published: line)"
    lines = [f"statement: {path}",
             f"language:  {review.language}{'' if lang_given else ' (detected)'}",
             f"published: {published}", "", "STAR"]
    for part in review.star:
        if not part.found:
            lines.append(f"  {part.part:<10} MISSING")
            continue
        how = f'heading "{part.heading}"' if part.how == "heading" else "cue words"
        lines.append(f"  {part.part:<10} found, line {part.line} ({how}): {part.sentence}")
    lines.append(f"vague terms: {len(review.vague) or 'none'}")
    lines += [f"  {_place(f.line, f.column)} {f.text} -> {f.alternative}" for f in review.vague]
    lines.append(f"emotive or blaming language: {len(review.emotive) or 'none'}")
    lines += [f"  {_place(f.line, f.column)} {f.text} ({f.kind}) -> {f.alternative}"
              for f in review.emotive]
    lines.append(f"commitments: {len(review.commitments) or 'none'}")
    for c in review.commitments:
        hours = "deadline unknown" if c.deadline_hours is None else f"{c.deadline_hours:g} h"
        due = f", due {c.deadline_at.isoformat()}" if c.deadline_at else ""
        lines.append(f"  {_place(c.line, c.column)} {c.phrase} = {hours}{due}: {c.text}")
    lines.append(f"score: {review.score}/100")
    if review.passed:
        lines.append("PASS")
    lines += [f"FAIL {rule}" for rule in review.failed_rules]
    return lines


def _cmd_lint_statement(args: argparse.Namespace) -> int:
    from .statements import lint_file
    from .statements.lexicon import load_lexicon

    lexicon = load_lexicon(vague=args.vague_terms, emotive=args.emotive_terms)
    review = lint_file(args.file, args.lang, args.published, lexicon=lexicon)
    if args.json:
        print(json.dumps(review.as_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(_statement_lines(review, args.file, args.lang is not None)))
    return 0 if review.passed else 1


def _cmd_new(args: argparse.Namespace) -> int:
    from .playbooks.scaffold import create_incident

    folder = create_incident(args.workspace, args.slug, args.scenario, language=args.lang,
                             marketplace=args.marketplace, title=args.title or "")
    yaml_path = folder / "incident.yaml"
    print(f"created {folder} from the {args.scenario!r} playbook "
          f"(incident.yaml, statement.md, replies.md, checklist.md, poa.md, response_log.csv, "
          f"exports/)")
    print("next:")
    print(f"  1. save the exports in {folder / 'exports'} under the names incident.yaml lists "
          f"(delete the lines of exports you do not have)")
    print(f"  2. work through {folder / 'checklist.md'}, logging each action in "
          f"{folder / 'response_log.csv'}; fill the [BRACKETS] of statement.md")
    print(f"  3. crisis-kit ingest {yaml_path} && crisis-kit report {yaml_path} "
          f"--out {folder / 'reports'}")
    return 0


def _cmd_playbooks(args: argparse.Namespace) -> int:
    import datetime as dt

    from .playbooks.playbook import REVIEW_DAYS, list_playbooks, review_table

    # The CLI reads the clock; the library takes the day as a parameter.
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    table = review_table(list_playbooks(), as_of)
    if args.json:
        print(json.dumps([{**row, "reviewed": row["reviewed"].isoformat()}
                          for row in table.to_dict("records")], ensure_ascii=False, indent=2))
        return 0
    print(f"playbooks as of {as_of.isoformat()} (review due after {REVIEW_DAYS} days)")
    for row in table.itertuples():
        flag = "REVIEW DUE" if row.review_due else "ok"
        print(f"  {row.name:<22} reviewed {row.reviewed.isoformat()}  {row.age_days:>4} days  "
              f"{flag:<10}  {row.title}")
    return 0


def _cmd_export_parquet(args: argparse.Namespace) -> int:
    from .config import load_incident
    from .portfolio.workspace import export_incident, manifest_path

    for path in export_incident(args.incident, args.portfolio, args.brand):
        print(f"wrote {path}")
    manifest = manifest_path(args.portfolio, args.brand, load_incident(args.incident).incident)
    if manifest.exists():  # where the incident's report is, for the portfolio page
        print(f"wrote {manifest}")
    return 0


def _cmd_portfolio_ingest(args: argparse.Namespace) -> int:
    import datetime as dt

    from .portfolio.workspace import ingest_files

    done = ingest_files(args.portfolio, args.brand, args.incident, args.files,
                        marketplace=args.marketplace, format=args.format,
                        date=dt.date.fromisoformat(args.date) if args.date else None,
                        encoding=args.encoding)
    reports = done.reports
    if args.json:
        print(json.dumps({"store": str(done.store),
                          "files": [r.as_json() | {"path": r.path} for r in reports],
                          "rows": {key: sum(getattr(r, key) for r in reports)
                                   for key in ("read", "accepted", "rejected", "duplicates")},
                          "written": [str(p) for p in done.written],
                          "manifest": str(done.manifest) if done.manifest else None},
                         ensure_ascii=False, indent=2))
        return 0
    if args.quiet:
        return 0
    for line in _summary_lines(reports):
        print(line)
    for report in reports:
        for warning in report.warnings:
            print(f"warning: {Path(report.path).name}: {warning}")
    print(f"{_files(len(reports))}: read {sum(r.read for r in reports)} = accepted "
          f"{sum(r.accepted for r in reports)} + rejected {sum(r.rejected for r in reports)} "
          f"+ duplicates {sum(r.duplicates for r in reports)}")
    if any(r.rejected for r in reports):
        print(f"rejected rows and their reasons: the rejections table of {done.store}")
    tables = sorted({p.parent.parent.parent.name for p in done.written})
    print(f"portfolio {args.portfolio}: {len(done.written)} Parquet files of "
          f"{args.incident} ({', '.join(tables) or 'no rows yet'})")
    return 0


def _cmd_portfolio_scan(args: argparse.Namespace) -> int:
    from .portfolio import scan

    result = scan(args.portfolio, as_of=args.as_of, engine=args.engine,
                  spark_master=args.spark_master)
    if args.html:
        from .portfolio.page import write_page

        page = write_page(result, args.portfolio, args.html, lang=args.lang)
        if not args.json:
            print(f"page: {page}")
    webhook = args.webhook or os.environ.get("CRISIS_KIT_WEBHOOK", "")
    notice, failed = None, None
    if webhook:
        from .monitor.scan_notify import plan_notice, send_notice

        # One message a run at most, naming the ASINs whose alert started, changed kind,
        # got its daily digest or cleared: never the same alert once per run
        # (crisis_kit/monitor/scan_notify.py, PORTFOLIO/scan-notices.json).
        notice = plan_notice(result, args.portfolio, args.digest, args.lang)
        try:
            notice = send_notice(notice, args.portfolio, webhook, format=args.webhook_format,
                                 secret=os.environ.get("CRISIS_KIT_WEBHOOK_SECRET") or None)
        except CrisisKitError as error:  # said after the verdict's output; exit 1
            failed = error
    if args.json:
        print(json.dumps({**result.as_json(), "notice": notice.summary() if notice else None},
                         ensure_ascii=False, indent=2))
    else:
        print(f"portfolio {args.portfolio} on {result.day.isoformat()}: "
              f"{len(result.alerting)} of {len(result.table)} ASINs alerting")
        shown = result.table.drop(columns=["risk"])
        print(shown.to_string(index=False, na_rep="", float_format=lambda v: f"{v:g}"))
        if notice is not None and notice.posted:
            events = [n.event for n in notice.notified]
            print("told the webhook: " + ", ".join(
                f"{events.count(e)} {e}" for e in ("start", "kind", "digest", "clear")
                if e in events))
    if failed is not None:
        raise failed
    return 3 if len(result.alerting) else 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .report.workspace import compare, find_incidents

    table = compare(find_incidents(args.workspace, args.slugs or None), as_of=args.as_of)
    if table.empty:
        print(f"no incident folder (*/incident.yaml) in {args.workspace}")
        return 0
    if args.json:
        print(table.to_json(orient="records", date_format="iso", force_ascii=False, indent=2))
        return 0
    # One column per incident, one row per measure: fits a terminal for a few incidents.
    shown = table.drop(columns=["title"]).set_index("incident").T
    print(shown.to_string(na_rep="", float_format=lambda v: f"{v:g}"))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crisis-kit",
        description="Analyse an e-commerce complaint crisis from the seller's own exports.",
    )
    parser.add_argument("--debug", action="store_true",
                        help="on an unexpected error, show the full traceback instead of one paragraph")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    demo = verbs.add_parser("demo", help="report on the bundled sample incident into reports/")
    demo.add_argument("--out", help="output folder (default: reports/)")
    demo.add_argument("--lang", choices=["en", "zh"], help="report language")
    demo.add_argument("--as-of", dest="as_of", help="report as of this day (YYYY-MM-DD)")
    demo.add_argument("--quiet", action="store_true", help="no progress output")
    demo.set_defaults(func=_cmd_demo)

    inspect = verbs.add_parser("inspect", help="say what a file is and what becomes of its rows")
    inspect.add_argument("file")
    inspect.add_argument("--format", help="the format's name (default: detected)")
    inspect.add_argument("--marketplace", help="US, UK, DE, JP, ...: time zone, date order, "
                         "decimal mark (default: US, and a file-name date that reads two ways "
                         "is refused)")
    inspect.add_argument("--date", type=_day_argument, help="the day of a Business Report "
                         "(YYYY-MM-DD), when its file name does not say it")
    inspect.add_argument("--encoding", help="force an encoding (default: detected)")
    inspect.add_argument("--sheet", help="a workbook's sheet (default: the first with a known header)")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.set_defaults(func=_cmd_inspect)

    ingest = verbs.add_parser("ingest", help="update the incident's evidence store")
    ingest.add_argument("incident", help="path of incident.yaml")
    ingest.add_argument("--json", action="store_true", help="machine-readable output")
    ingest.add_argument("--quiet", action="store_true", help="no progress output")
    ingest.set_defaults(func=_cmd_ingest)

    report = verbs.add_parser("report", help="run the post-mortem notebook and export HTML")
    report.add_argument("incident", help="path of incident.yaml")
    report.add_argument("--out", default="reports", help="output folder (default: reports/)")
    report.add_argument("--lang", choices=["en", "zh"], help="report language")
    report.add_argument("--as-of", dest="as_of", help="report as of this day (YYYY-MM-DD)")
    report.add_argument("--quiet", action="store_true", help="no progress output")
    report.add_argument("--pdf", action="store_true",
                        help="also print the report to PDF with headless Chromium")
    report.set_defaults(func=_cmd_report)

    monitor = verbs.add_parser(
        "monitor", help="ingest what is new, then say whether the alert is active "
                        "(exit 0 calm, 3 alert, 1 error)")
    monitor.add_argument("incident", help="path of incident.yaml")
    monitor.add_argument("--json", action="store_true", help="machine-readable output")
    monitor.add_argument("--webhook", metavar="URL",
                         help="tell this chat webhook when an alert starts, changes kind or "
                              "clears, and once a day while it lasts (default: the "
                              "CRISIS_KIT_WEBHOOK environment variable)")
    monitor.add_argument("--webhook-format", dest="webhook_format", default=None,
                         choices=["slack", "feishu", "dingtalk", "wecom"],
                         help="the bot's message shape (default: notifications.format in "
                              "incident.yaml, else slack)")
    monitor.add_argument("--webhook-style", dest="webhook_style", default=None,
                         choices=["rich", "text"],
                         help="rich: card or markdown; text: plain text (default: "
                              "notifications.style in incident.yaml, else rich)")
    monitor.add_argument("--as-of", dest="as_of", type=_day_argument, metavar="DATE",
                         help="judge this day (YYYY-MM-DD; default: the latest day with an event)")
    monitor.add_argument("--quiet", action="store_true",
                         help="print nothing unless --json; the exit code tells")
    monitor.set_defaults(func=_cmd_monitor)

    lint = verbs.add_parser("lint-statement",
                            help="check a statement: STAR parts, vague words, dated commitments")
    lint.add_argument("file", help="the statement (Markdown or plain text)")
    lint.add_argument("--lang", choices=["en", "zh"], help="its language (default: detected)")
    lint.add_argument("--published", help="publication time, ISO with offset "
                                           "(default: the file's first line 'Published: ...')")
    lint.add_argument("--vague-terms", dest="vague_terms",
                      help="a YAML file of more vague terms (shape of crisis_kit/data/vague_terms.yaml)")
    lint.add_argument("--emotive-terms", dest="emotive_terms",
                      help="a YAML file of more emotive or blaming terms")
    lint.add_argument("--json", action="store_true", help="machine-readable output")
    lint.set_defaults(func=_cmd_lint_statement)

    new = verbs.add_parser("new", help="start an incident folder from a scenario playbook")
    new.add_argument("slug", help="the incident's name and folder ([a-z0-9-])")
    new.add_argument("--scenario", required=True,
                     help="the playbook (crisis-kit playbooks lists them)")
    new.add_argument("--lang", choices=["en", "zh"], default="en",
                     help="language of the texts and the report (default en)")
    new.add_argument("--marketplace", default="US", help="US, UK, DE, JP, ... (default US)")
    new.add_argument("--title", help="the incident's title (default: the playbook's)")
    new.add_argument("--workspace", default=".",
                     help="the folder that holds the incidents (default: the current one)")
    new.set_defaults(func=_cmd_new)

    playbooks = verbs.add_parser("playbooks",
                                 help="list the scenario playbooks and how long ago each was reviewed")
    playbooks.add_argument("--as-of", dest="as_of", type=_day_argument, metavar="DATE",
                           help="count ages to this day (YYYY-MM-DD; default today)")
    playbooks.add_argument("--json", action="store_true", help="machine-readable output")
    playbooks.set_defaults(func=_cmd_playbooks)

    compare = verbs.add_parser("compare", help="put the workspace's incidents side by side")
    compare.add_argument("slugs", nargs="*", metavar="SLUG",
                         help="incidents to compare (default: every one in the workspace)")
    compare.add_argument("--workspace", default=".",
                         help="the folder that holds the incident folders (default: current)")
    compare.add_argument("--as-of", dest="as_of", type=_day_argument, metavar="DATE",
                         help="cut every incident's evidence at this day")
    compare.add_argument("--json", action="store_true", help="machine-readable output")
    compare.set_defaults(func=_cmd_compare)

    export = verbs.add_parser("export-parquet",
                              help="write an incident's events, sales, orders and actions into "
                                   "a portfolio folder")
    export.add_argument("incident", help="the incident.yaml")
    export.add_argument("portfolio", help="the portfolio folder (created if missing)")
    export.add_argument("--brand", required=True, help="the brand the incident belongs to")
    export.set_defaults(func=_cmd_export_parquet)

    portfolio = verbs.add_parser("portfolio", help="scan every ASIN of a portfolio folder")
    portfolio_verbs = portfolio.add_subparsers(dest="portfolio_verb", metavar="VERB",
                                               required=True)
    scan = portfolio_verbs.add_parser(
        "scan", help="today's figures of every ASIN, ranked (exit 0 calm, 3 alerting)")
    scan.add_argument("portfolio", help="the portfolio folder")
    scan.add_argument("--as-of", dest="as_of", type=_day_argument, metavar="DATE",
                      help="the day to scan (default: the portfolio's last event day)")
    scan.add_argument("--json", action="store_true", help="machine-readable output")
    scan.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                      help="where the expressions run (default duckdb, in process)")
    scan.add_argument("--spark-master", dest="spark_master", metavar="URL",
                      help="a Spark cluster (spark://host:7077); default a local[2] session")
    scan.add_argument("--html", metavar="FILE", help="also write the offline HTML page here")
    scan.add_argument("--lang", choices=["en", "zh"], default="en",
                      help="the language of the page and of the webhook's message "
                           "(default en)")
    scan.add_argument("--webhook", metavar="URL",
                      help="tell this chat webhook, in one message a run, which ASINs' alerts "
                           "started, changed kind or cleared, and a daily digest (or set "
                           "CRISIS_KIT_WEBHOOK); remembered in PORTFOLIO/scan-notices.json")
    scan.add_argument("--digest", choices=["daily", "off"], default="daily",
                      help="an ASIN still alerting on a later day: in that day's message "
                           "(daily, the default) or not (off)")
    scan.add_argument("--webhook-format", dest="webhook_format", default="slack",
                      choices=["slack", "feishu", "dingtalk", "wecom"],
                      help="the bot's message shape (default slack)")
    scan.set_defaults(func=_cmd_portfolio_scan)

    pingest = portfolio_verbs.add_parser(
        "ingest", help="read export files straight into a portfolio folder, for one brand "
                       "and incident (a store under PORTFOLIO/.stores, then its tables as Parquet)")
    pingest.add_argument("portfolio", help="the portfolio folder (created if missing)")
    pingest.add_argument("files", nargs="+", metavar="FILE", help="export files (any format "
                         "`inspect` reads; a file ingested before counts as duplicates)")
    pingest.add_argument("--brand", required=True, help="the brand the files belong to")
    pingest.add_argument("--incident", required=True, metavar="NAME",
                         help="the incident (or watch) they feed, a slug: [a-z0-9-]")
    pingest.add_argument("--marketplace", help="US, UK, DE, JP, ...: how the files are read "
                         "(time zone, date order, decimal mark) and the actions' partition "
                         "(default US)")
    pingest.add_argument("--format", help="the format's name, for every file (default: detected)")
    pingest.add_argument("--date", type=_day_argument, help="the day of a Business Report "
                         "(YYYY-MM-DD), when its file name does not say it")
    pingest.add_argument("--encoding", help="force an encoding (default: detected)")
    pingest.add_argument("--json", action="store_true", help="machine-readable output")
    pingest.add_argument("--quiet", action="store_true", help="print nothing unless --json")
    pingest.set_defaults(func=_cmd_portfolio_ingest)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CrisisKitError as exc:
        print(f"crisis-kit: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("crisis-kit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`crisis-kit ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if args.debug:
            raise
        print(f"crisis-kit: {_unexpected(exc, argv)}", file=sys.stderr)
        return 1


def _unexpected(exc: Exception, argv: list[str] | None) -> str:
    """One paragraph for an error crisis-kit did not foresee; the traceback goes to a file.

    The file is named by the process id (two runs never share one) in the temporary folder.
    """
    import tempfile
    import traceback

    command = " ".join(["crisis-kit", "--debug", *(sys.argv[1:] if argv is None else argv)])
    saved = Path(tempfile.gettempdir()) / f"crisis-kit-error-{os.getpid()}.txt"
    try:
        saved.write_text(f"{command}\n\n{traceback.format_exc()}", encoding="utf-8")
        where = f"the full traceback is saved in {saved}"
    except OSError:
        where = "the traceback could not be saved"
    return (f"an unexpected error stopped the command ({type(exc).__name__}: {exc}). "
            f"This is a bug in crisis-kit or an input it does not know yet: {where}; "
            f"rerun with `{command}` to see it here, and report it with that file.")


if __name__ == "__main__":
    sys.exit(main())
