"""URL patterns of the tools and the dashboard, included at the site root from
iamlab/web/urls.py."""

from django.urls import path

from . import dashboard_views, tools_audit, tools_cli, tools_graph, tools_simulator

sandbox = "sandbox/<int:sandbox_id>/"

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("simulator/", tools_simulator.standalone_simulator, name="simulator"),
    path("simulator/actions/", tools_simulator.action_suggestions, name="simulator_actions"),
    path(f"{sandbox}simulator/", tools_simulator.sandbox_simulator, name="sandbox_simulator"),
    path(f"{sandbox}cli/", tools_cli.cli_pane, name="sandbox_cli"),
    path(f"{sandbox}graph/", tools_graph.graph_page, name="sandbox_graph"),
    path(f"{sandbox}graph/graph.json", tools_graph.graph_json, name="sandbox_graph_json"),
    path(
        f"{sandbox}credential-report/",
        tools_audit.credential_report,
        name="sandbox_credential_report",
    ),
    path(
        f"{sandbox}credential-report/generate/",
        tools_audit.credential_report_generate,
        name="sandbox_credential_report_generate",
    ),
    path(
        f"{sandbox}credential-report/download/",
        tools_audit.credential_report_download,
        name="sandbox_credential_report_download",
    ),
    path(f"{sandbox}access-advisor/", tools_audit.access_advisor, name="sandbox_access_advisor"),
    path(
        f"{sandbox}access-analyzer/",
        tools_audit.access_analyzer_page,
        name="sandbox_access_analyzer",
    ),
    path(f"{sandbox}scorecard/", tools_audit.scorecard, name="sandbox_scorecard"),
]
