"""docker-compose.yml and the Dockerfile describe a deployment that fits together.

Docker is not needed: the files are read and checked as data.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service(name: str) -> dict:
    return load_compose()["services"][name]


def environment(svc: dict) -> dict[str, str]:
    """A service's environment, whether compose was given a mapping or a list of KEY=VALUE."""
    env = svc.get("environment") or {}
    if isinstance(env, dict):
        return {key: "" if value is None else str(value) for key, value in env.items()}
    pairs = (item.partition("=") for item in env)
    return {key: value for key, _, value in pairs}


def command_words(command: str | list[str] | None) -> list[str]:
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def named_volumes(svc: dict) -> dict[str, str]:
    """Named volumes a service mounts, as {volume name: path in the container}; bind mounts are left out."""
    mounts = {}
    for entry in svc.get("volumes") or []:
        if isinstance(entry, str):
            source, _, rest = entry.partition(":")
            target = rest.split(":")[0]
        elif entry.get("type", "volume") == "volume":
            source, target = entry.get("source", ""), entry.get("target", "")
        else:
            continue
        if source and not source.startswith(("/", ".", "~", "$")):
            mounts[source] = target
    return mounts


def depends_on(svc: dict) -> set[str]:
    deps = svc.get("depends_on") or []
    return set(deps)  # a list of names, or a mapping of name -> condition


def contains_run(words: list[str], *expected: str) -> bool:
    """True when `expected` appears as consecutive words, e.g. ("qa", "serve")."""
    n = len(expected)
    return any(tuple(words[i : i + n]) == expected for i in range(len(words) - n + 1))


def dockerfile_instructions(name: str) -> list[str]:
    """Arguments of every `name` instruction (CMD, ENTRYPOINT...), continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        keyword, _, args = line.strip().partition(" ")
        if keyword.upper() == name:
            found.append(args.strip())
    return found


def dockerfile_words(args: str) -> list[str]:
    """Exec form (a JSON list) or shell form."""
    try:
        parsed = json.loads(args)
    except json.JSONDecodeError:
        return shlex.split(args)
    return [str(word) for word in parsed] if isinstance(parsed, list) else shlex.split(args)


def test_the_three_services_exist():
    services = load_compose()["services"]
    assert {"app", "postgres", "worker"} <= set(services)


def test_app_and_worker_use_the_postgres_service():
    for name in ("app", "worker"):
        url = environment(service(name)).get("QA_DATABASE_URL", "")
        assert url.startswith(("postgresql://", "postgres://")), f"{name}: QA_DATABASE_URL is {url!r}"
        assert urlsplit(url).hostname == "postgres", f"{name}: QA_DATABASE_URL does not point at the postgres service"


def test_app_runs_qa_serve():
    words = command_words(service("app").get("command"))
    assert contains_run(words, "qa", "serve"), f"app command is {words}"


def test_worker_runs_qa_worker():
    words = command_words(service("worker").get("command"))
    assert contains_run(words, "qa", "worker"), f"worker command is {words}"


def test_app_and_worker_share_a_declared_named_volume_at_the_data_dir():
    app, worker = service("app"), service("worker")
    app_volumes, worker_volumes = named_volumes(app), named_volumes(worker)
    shared = set(app_volumes) & set(worker_volumes)
    assert shared, "app and worker share no named volume (recordings must be visible to both)"

    declared = set(load_compose().get("volumes") or {})
    assert shared <= declared, f"volumes {shared - declared} are not declared under top-level volumes"

    for name, svc, mounts in (("app", app, app_volumes), ("worker", worker, worker_volumes)):
        data_dir = environment(svc).get("QA_DATA_DIR")
        assert data_dir in {mounts[volume] for volume in shared}, (
            f"{name}: QA_DATA_DIR {data_dir!r} is not on the shared volume"
        )


def test_app_depends_on_postgres():
    assert "postgres" in depends_on(service("app"))


def test_dockerfile_runs_qa_serve_by_default():
    assert DOCKERFILE.is_file(), "Dockerfile is missing"
    entrypoints = dockerfile_instructions("ENTRYPOINT")
    cmds = dockerfile_instructions("CMD")
    # Only the last ENTRYPOINT and CMD of the file count (those of the final stage).
    words = (dockerfile_words(entrypoints[-1]) if entrypoints else []) + (dockerfile_words(cmds[-1]) if cmds else [])
    assert contains_run(words, "qa", "serve"), f"the image runs {words}"


def final_stage_instructions(name: str) -> list[str]:
    """Arguments of every `name` instruction of the last stage (after the last FROM)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        keyword, _, args = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            found = []
        elif keyword.upper() == name:
            found.append(args.strip())
    return found


def final_stage_env() -> dict[str, str]:
    """ENV of the last stage, in the KEY=VALUE form (several per instruction) or `ENV KEY VALUE`."""
    env = {}
    for args in final_stage_instructions("ENV"):
        words = shlex.split(args)
        if words and "=" not in words[0]:
            env[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            key, _, value = word.partition("=")
            env[key] = value
    return env


def test_the_image_has_what_weasyprint_needs_for_the_reports():
    """The slim image has no Pango and no fonts: without them every PDF report fails inside it."""
    installed = set()
    for args in final_stage_instructions("RUN"):
        for command in args.split("&&"):
            words = shlex.split(command)
            if contains_run(words, "apt-get", "install"):
                installed |= {word for word in words if not word.startswith("-")}
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"} <= installed, installed
    assert any(package.startswith("fonts-") for package in installed), f"no font package in {installed}"


def truthy(value: str) -> bool:
    return value.lower() in {"1", "true", "yes"}  # as qa_app.settings reads QA_SECURE_COOKIES


def test_the_image_sends_secure_cookies_and_the_local_compose_plain_http_ones():
    """The image runs behind HTTPS in production: its cookies are Secure unless told otherwise.
    docker-compose.yml is opened at http://localhost:8000, so it turns them off by default and
    takes QA_SECURE_COOKIES from .env when served over HTTPS."""
    assert truthy(final_stage_env().get("QA_SECURE_COOKIES", "")), final_stage_env()
    for name in ("app", "worker"):
        value = environment(service(name)).get("QA_SECURE_COOKIES")
        assert value is not None, f"{name}: QA_SECURE_COOKIES is not set, the image's 1 breaks plain HTTP"
        assert value.startswith("${QA_SECURE_COOKIES:-") and value.endswith("}"), value
        assert not truthy(value[len("${QA_SECURE_COOKIES:-") : -1]), value
