"""The Grafana dashboards: generated from scripts/dashboards.py, valid PromQL, consistent, and shipped by the chart."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.deploy import chart
from tests.monitoring import sources

EXPECTED_FILES = {"overview.json", "queues-workers.json", "scheduler-timers-audit.json", "api-operator.json"}


def test_regenerating_the_dashboards_gives_the_committed_bytes() -> None:
    generated = sources.load_generator().render_all()
    assert set(generated) == EXPECTED_FILES
    for name, text in generated.items():
        assert (sources.DASHBOARDS / name).read_text() == text, f"{name} is stale: run make dashboards"


def test_the_generator_check_mode_reports_a_stale_dashboard(tmp_path: Path) -> None:
    generator, out = sources.load_generator(), ["--output", str(tmp_path)]
    assert generator.main(["--check", *out]) == 1  # nothing written yet
    assert generator.main(out) == 0
    assert generator.main(["--check", *out]) == 0
    (tmp_path / "overview.json").write_text("{}\n")
    assert generator.main(["--check", *out]) == 1


def test_every_panel_query_and_variable_query_parses_with_promtool(tmp_path: Path) -> None:
    rules = []
    for name, dashboard in sources.dashboards().items():
        for index, expr in enumerate(sources.panel_exprs(dashboard)):
            rules.append({"record": f"dashboard:{name.removesuffix('.json').replace('-', '_')}:{index}", "expr": expr})
        for index, query in enumerate(sources.variable_queries(dashboard)):
            # label_values(<selector>, label) is Grafana's, not PromQL: its selector must parse.
            selector = query.removeprefix("label_values(").rsplit(",", 1)[0]
            rules.append(
                {"record": f"variable:{name.removesuffix('.json').replace('-', '_')}:{index}", "expr": selector}
            )
    rules = [{**rule, "expr": sources.substitute_variables(rule["expr"])} for rule in rules]
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    checked = sources.promtool("check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules)} rules found" in checked.stdout


def test_promtool_rejects_a_broken_panel_query(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(
        yaml.safe_dump({"groups": [{"name": "x", "rules": [{"record": "x:y", "expr": "sum(rate(x[5m])"}]}]})
    )
    assert sources.promtool("check", "rules", str(path)).returncode != 0


def test_each_dashboard_has_the_datasource_namespace_and_queue_variables() -> None:
    for name, dashboard in sources.dashboards().items():
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert set(variables) == {"datasource", "namespace", "queue"}, name
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        assert variables["namespace"]["query"].startswith("label_values(")
        assert variables["queue"]["query"].startswith("label_values(") and "queue)" in variables["queue"]["query"]


def test_every_panel_and_query_uses_the_datasource_variable() -> None:
    for name, dashboard in sources.dashboards().items():
        for panel in sources.panels(dashboard):
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, (name, panel["title"])
            assert panel["targets"], (name, panel["title"])
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "${datasource}", (name, panel["title"])


def test_every_query_is_scoped_by_the_namespace_variable() -> None:
    for name, dashboard in sources.dashboards().items():
        for expr in sources.panel_exprs(dashboard):
            assert 'namespace=~"$namespace"' in expr, (name, expr)


def test_queue_wide_gauges_are_taken_with_max_never_summed_across_replicas() -> None:
    for dashboard in sources.dashboards().values():
        for expr in sources.panel_exprs(dashboard):
            if "hwe_queue_" in expr:
                assert "max by (queue" in expr, expr


def test_panel_ids_are_unique_within_a_dashboard_and_uids_across_dashboards() -> None:
    uids = []
    for name, dashboard in sources.dashboards().items():
        ids = [panel["id"] for panel in sources.panels(dashboard)]
        assert len(ids) == len(set(ids)), name
        titles = [panel["title"] for panel in sources.panels(dashboard)]
        assert len(titles) == len(set(titles)), name
        uids.append(dashboard["uid"])
    assert len(uids) == len(set(uids)) == len(EXPECTED_FILES)


def test_panels_do_not_overlap_on_the_grid() -> None:
    for name, dashboard in sources.dashboards().items():
        taken: set[tuple[int, int]] = set()
        for panel in sources.panels(dashboard):
            pos = panel["gridPos"]
            cells = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])}
            assert not cells & taken, (name, panel["title"])
            assert pos["x"] + pos["w"] <= 24, (name, panel["title"])
            taken |= cells


def test_the_chart_ships_one_labelled_configmap_per_dashboard_when_enabled() -> None:
    maps = [
        o
        for o in chart.of_kind(chart.render({"monitoring": {"dashboards": {"enabled": True}}}), "ConfigMap")
        if o["metadata"]["labels"].get("grafana_dashboard") == "1"
    ]
    assert {key for m in maps for key in m["data"]} == EXPECTED_FILES
    for configmap in maps:
        ((name, text),) = configmap["data"].items()
        assert text == (sources.DASHBOARDS / name).read_text().rstrip("\n")


def test_the_sidecar_label_of_the_dashboard_configmaps_is_configurable() -> None:
    values = {"monitoring": {"dashboards": {"enabled": True, "sidecarLabel": "dashboards", "sidecarLabelValue": "hw"}}}
    maps = [o for o in chart.of_kind(chart.render(values), "ConfigMap") if "-dashboard-" in o["metadata"]["name"]]
    assert len(maps) == len(EXPECTED_FILES)
    assert all(m["metadata"]["labels"]["dashboards"] == "hw" for m in maps)
    assert not any("grafana_dashboard" in m["metadata"]["labels"] for m in maps)


def test_no_dashboard_configmap_is_rendered_by_default() -> None:
    assert not [o for o in chart.of_kind(chart.render(), "ConfigMap") if "-dashboard-" in o["metadata"]["name"]]
