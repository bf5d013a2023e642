"""The chart's alert rules: promtool accepts them, its unit tests pass, and every alert is complete and documented."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.deploy import chart
from tests.monitoring import sources

# The alerts the issue asks for, each its own rule.
EXPECTED_ALERTS = {
    "HighwayComponentDown",
    "HighwayComponentAbsent",
    "HighwayApiErrorRatioHigh",
    "HighwayApiLatencyHigh",
    "HighwayScheduleToStartHigh",
    "HighwayBacklogGrowing",
    "HighwayNoWorkersForQueue",
    "HighwayWorkerSlotsExhausted",
    "HighwayRunFailureRatioHigh",
    "HighwayTimerLagHigh",
    "HighwayScheduleFiresMissed",
    "HighwayWebhookDeliveriesFailing",
    "HighwayWebhookDeliveriesDead",
    "HighwayOperatorReconcileErrors",
    "HighwayOperatorResourcesStale",
    "HighwayVaultTokenRenewalFailing",
    "HighwayDatabaseErrors",
}


def test_promtool_accepts_the_rules_the_chart_renders_by_default(tmp_path: Path) -> None:
    rules = sources.write_rules(tmp_path / "rules.yml", sources.rendered_rule_groups())
    checked = sources.promtool("check", "rules", str(rules))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(EXPECTED_ALERTS)} rules found" in checked.stdout


def test_promtool_unit_tests_of_every_alert_pass(tmp_path: Path) -> None:
    sources.write_rules(tmp_path / "rules.yml", sources.rendered_rule_groups())
    shutil.copy(sources.ALERT_TESTS, tmp_path / "alerts_test.yml")
    tested = sources.promtool("test", "rules", "alerts_test.yml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_a_promtool_unit_test_fails_when_an_alert_misbehaves(tmp_path: Path) -> None:
    groups = sources.rendered_rule_groups()
    for rule in sources.alerts(groups):
        if rule["alert"] == "HighwayComponentDown":
            rule["expr"] = rule["expr"].replace("== 0", "== 2")
    sources.write_rules(tmp_path / "rules.yml", groups)
    shutil.copy(sources.ALERT_TESTS, tmp_path / "alerts_test.yml")
    tested = sources.promtool("test", "rules", "alerts_test.yml", cwd=tmp_path)
    assert tested.returncode != 0
    assert "HighwayComponentDown" in tested.stdout + tested.stderr


def test_the_chart_renders_every_alert_the_issue_lists_and_no_other() -> None:
    names = [rule["alert"] for rule in sources.alerts(sources.rendered_rule_groups())]
    assert sorted(names) == sorted(EXPECTED_ALERTS)


def test_every_alert_has_a_duration_a_severity_a_summary_a_description_and_a_runbook() -> None:
    for rule in sources.alerts(sources.rendered_rule_groups()):
        assert re.fullmatch(r"\d+[smh]", str(rule["for"])), rule
        assert rule["labels"]["severity"] in ("critical", "warning"), rule
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"], rule
        assert annotations["runbook_url"].endswith(f"docs/operations.md#{rule['alert'].lower()}"), rule


def test_every_runbook_link_lands_on_a_heading_of_the_operations_guide() -> None:
    headings = {line.removeprefix("### ").strip().lower() for line in sources.OPERATIONS.read_text().splitlines()}
    for rule in sources.alerts(sources.rendered_rule_groups()):
        anchor = rule["annotations"]["runbook_url"].rsplit("#", 1)[1]
        assert anchor in headings, f"docs/operations.md has no heading '### {rule['alert']}'"


def test_every_alert_has_a_promtool_case_in_which_it_fires() -> None:
    cases = yaml.safe_load(sources.ALERT_TESTS.read_text())["tests"]
    firing = {check["alertname"] for case in cases for check in case["alert_rule_test"] if check["exp_alerts"]}
    assert firing == EXPECTED_ALERTS


def test_thresholds_come_from_the_values() -> None:
    groups = sources.rendered_rule_groups({"monitoring": {"alerts": {"apiErrorRatio": 0.125, "noWorkersFor": "7m"}}})
    by_name = {rule["alert"]: rule for rule in sources.alerts(groups)}
    assert by_name["HighwayApiErrorRatioHigh"]["expr"].rstrip().endswith("> 0.125")
    assert by_name["HighwayNoWorkersForQueue"]["for"] == "7m"


def test_extra_alert_labels_from_the_values_reach_every_alert() -> None:
    groups = sources.rendered_rule_groups({"monitoring": {"alerts": {"labels": {"team": "platform"}}}})
    assert all(rule["labels"]["team"] == "platform" for rule in sources.alerts(groups))


def test_every_selector_is_scoped_to_the_release_namespace() -> None:
    for rule in sources.alerts(sources.rendered_rule_groups()):
        selectors = re.findall(r"\{[^}]*\}", rule["expr"])
        assert selectors and all('namespace="highway"' in s for s in selectors), rule["expr"]


def test_a_disabled_component_is_not_expected_by_the_absent_alert() -> None:
    groups = sources.rendered_rule_groups({"components": {"operator": {"enabled": False}}})
    absent = next(rule for rule in sources.alerts(groups) if rule["alert"] == "HighwayComponentAbsent")
    assert 'component="operator"' not in absent["expr"]
    assert 'component="api"' in absent["expr"]


def test_no_prometheus_rule_is_rendered_by_default() -> None:
    assert chart.of_kind(chart.render(), "PrometheusRule") == []


def test_the_values_schema_refuses_a_ratio_threshold_above_one() -> None:
    with pytest.raises(Exception, match="apiErrorRatio"):
        chart.render({"monitoring": {"alerts": {"apiErrorRatio": 5}}})


@pytest.mark.parametrize("values_file", chart.CI_VALUES, ids=lambda p: p.name)
def test_promtool_accepts_the_rules_rendered_with_each_ci_values_file(tmp_path: Path, values_file: Path) -> None:
    values = chart.merge(
        chart.user_values(values_files=[values_file]), {"monitoring": {"prometheusRule": {"enabled": True}}}
    )
    rules = sources.write_rules(tmp_path / "rules.yml", sources.rendered_rule_groups(values))
    checked = sources.promtool("check", "rules", str(rules))
    assert checked.returncode == 0, checked.stdout + checked.stderr
