"""The verification report: the table the CLI and the deploy hook print (golden), its wrapping, the summary, JSON."""

from __future__ import annotations

import json

from infra import table
from infra.verify import report as verify_report
from infra.results import CheckResult

FIRST = "the server's certificate is not trusted (unable to get local issuer certificate): pass"
REST = "--ca-cert FILE (or verify.caCert) with the CA that signed it"
LONG = f"{FIRST} {REST}"  # wraps before --ca-cert: never inside a word, never at a hyphen
RESULTS = [
    CheckResult("reachable", "pass", "TCP connect to 127.0.0.1:6379", 0.001),
    CheckResult("tls", "fail", LONG, 0.012),
    CheckResult("round_trip", "skip", "", 0.0),
]


def test_the_table_is_stable():
    w = len(FIRST)  # the detail column is as wide as its widest line once wrapped at DETAIL_WIDTH
    assert verify_report.table(RESULTS) == "\n".join([
        f"{'check':<10}  {'status':<6}  {'detail':<{w}}  {'time':>7}",
        f"{'reachable':<10}  {'pass':<6}  {'TCP connect to 127.0.0.1:6379':<{w}}  {'0.001s':>7}",
        f"{'tls':<10}  {'FAIL':<6}  {FIRST:<{w}}  {'0.012s':>7}",
        f"{'':<10}  {'':<6}  {REST}",
        f"{'round_trip':<10}  {'skip':<6}  {'':<{w}}  {'0.000s':>7}",
    ])


def test_details_wrap_at_the_detail_width_between_words():
    words = " ".join(f"word{i:03d}" for i in range(60))
    lines = verify_report.table([CheckResult("c", "warn", words, 0.5)]).splitlines()[1:]
    column = len("check  status  ")
    assert len(lines) > 1 and all(len(line[column:].split("  ")[0]) <= verify_report.DETAIL_WIDTH for line in lines)
    assert " ".join(line[column:].removesuffix("0.500s").strip() for line in lines) == words


def test_a_word_longer_than_the_width_is_never_broken():
    url = "https://" + "x" * 120
    lines = verify_report.table([CheckResult("c", "warn", f"see {url} now", 0.5)]).splitlines()
    assert [line.split() for line in lines[1:]] == [["c", "warn", "see", "0.500s"], [url], ["now"]]


def test_render_wraps_only_the_columns_given_a_width():
    assert table.render(("k", "v"), [("a", "one two three"), ("b", "four")], max_widths=(None, 7)) == "\n".join([
        "k  v",
        "a  one two",
        "   three",
        "b  four",
    ])
    assert table.render(("k", "v"), [("a", "one two three")]) == "k  v\na  one two three"


def test_summary_and_json():
    assert verify_report.summary(RESULTS) == "verification FAILED: tls (1 fail, 1 pass, 1 skip)"
    assert verify_report.summary(RESULTS[:1]) == "verification passed (1 pass)"
    report = json.loads(verify_report.as_json(RESULTS))
    assert report["passed"] is False and report["summary"] == verify_report.summary(RESULTS)
    assert report["checks"][1] == {"name": "tls", "status": "fail", "detail": LONG, "seconds": 0.012}
