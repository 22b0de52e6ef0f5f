"""The deployment files, checked offline: every Kubernetes manifest against the Kubernetes
schemas (kubernetes-validate, strict), and the settings an operator relies on (non-root, probes
on /healthz and /readyz, resources, disruption budgets) in the manifests, compose and Dockerfile."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
BASE = DEPLOY / "k8s" / "base"
KUBERNETES = "1.30.0"


def _resources() -> list[dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((BASE / name).read_text()) if d]
    return docs


def test_every_manifest_file_is_listed_in_the_kustomization():
    listed = set(yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("doc", _resources(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_is_valid_kubernetes(doc):
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_the_validator_refuses_a_broken_manifest():
    doc = next(d for d in _resources() if d["kind"] == "Deployment")
    broken = {**doc, "spec": {**doc["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def _pods() -> list[tuple[str, dict]]:
    return [(d["metadata"]["name"], d["spec"]["template"]["spec"]) for d in _resources()
            if d["kind"] in ("Deployment", "Job")]


def test_pods_run_as_non_root_with_resources():
    for name, pod in _pods():
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0, name
        for container in pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], name
            refs = {next(iter(e.values()))["name"] for e in container["envFrom"]}
            assert refs == {"vitrine-config", "vitrine-secrets"}, name


def test_api_and_worker_probe_health_and_readiness_and_have_budgets():
    pods = dict(_pods())
    for name in ("vitrine-api", "vitrine-worker"):
        container = pods[name]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "--metrics-port" in pods["vitrine-worker"]["containers"][0]["command"]
    budgets = {d["metadata"]["name"] for d in _resources() if d["kind"] == "PodDisruptionBudget"}
    assert budgets == {"vitrine-api", "vitrine-worker"}


def test_dockerfile_and_compose_match_the_manifests():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    user = next(line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER "))
    assert user not in ("root", "0")
    uids = {pod["securityContext"]["runAsUser"] for _, pod in _pods()}
    assert uids == {int(user)} and f"--uid {user}" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in ("api", "worker"):
        assert "readyz" in " ".join(compose["services"][service]["healthcheck"]["test"]), service
    assert "--metrics-port" in compose["services"]["worker"]["command"]


def test_grafana_dashboard_uses_only_metrics_vitrine_exports():
    import json
    import re

    from prometheus_client import REGISTRY

    import service.metrics  # noqa: F401  (registers them)

    exported = {m.name for m in REGISTRY.collect() if m.name.startswith("vitrine_")}
    dashboard = json.loads((DEPLOY / "grafana" / "vitrine-dashboard.json").read_text())
    used = {re.sub(r"_(total|bucket|count|sum)$", "", name) for panel in dashboard["panels"]
            for target in panel["targets"] for name in re.findall(r"vitrine_[a-z_]+", target["expr"])}
    assert used and used <= exported, used - exported
