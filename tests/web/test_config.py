"""Configuration: defaults, IVIG_* environment variables, CLI overrides, refusals that say why;
and how ``run_server`` hands it to granian's processes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ivig_graph.serve.bodies import WAITING_BODIES
from ivig_graph.serve.supervisor import GranianSettings, granian_server
from ivig_graph.web.app import create_app
from ivig_graph.web.config import ENV_VARS, ConfigError, ServerConfig
from tests.servers import endpoint_config
from tests.web.answers import as_text
from tests.web.conftest import AppFactory


def test_every_setting_has_an_environment_variable_and_the_docs_name_it() -> None:
    fields = {field.name for field in dataclasses.fields(ServerConfig)}
    assert set(ENV_VARS) == fields
    docs = (Path(__file__).resolve().parents[2] / "docs" / "endpoint.md").read_text("utf-8")
    missing = [variable for variable in ENV_VARS.values() if f"`{variable}`" not in docs]
    assert missing == []


def test_environment_then_overrides() -> None:
    environ = {
        "IVIG_PORT": "9001",
        "IVIG_QUERY_TIMEOUT": "2.5",
        "IVIG_TRUST_PROXY": "yes",
        "IVIG_RATE_LIMIT": "off",
        "IVIG_BASE_URL": "https://example.org/sparql",
        "IVIG_WORKERS": " ",  # blank means unset
    }
    config = ServerConfig.from_env(environ, port=None, workers=3, timeout=None, host="0.0.0.0")
    assert (config.port, config.timeout, config.trust_proxy) == (9001, 2.5, True)
    assert (config.workers, config.host, config.rate_limited) == (3, "0.0.0.0", False)
    assert config.base_url == "https://example.org/sparql"
    assert ServerConfig.from_env({}) == ServerConfig()
    assert ServerConfig().timeout == 10.0


@pytest.mark.parametrize(
    ("environ", "overrides", "message"),
    [
        ({"IVIG_PORT": "eighty"}, {}, "IVIG_PORT='eighty' is not a valid int"),
        ({"IVIG_TRUST_PROXY": "maybe"}, {}, "not a valid bool"),
        ({}, {"rate_limit": "lots"}, "rate_limit 'lots' is not a limit"),
        ({}, {"workers": 0}, "workers must be at least 1"),
        ({}, {"timeout": -1.0}, "timeout must be a positive number"),
        ({"IVIG_QUERY_TIMEOUT": "nan"}, {}, "timeout must be a positive number"),
        ({}, {"colour": "blue"}, "Unknown server option 'colour'"),
        ({"IVIG_FRONT": "apache"}, {}, "front 'apache' is not one of none, nginx"),
        ({"IVIG_FRONT": "nginx", "IVIG_TRUST_PROXY": "1"}, {}, "front and trust_proxy together"),
        ({}, {"body_timeout": 0.0}, "body_timeout must be a positive number"),
        ({}, {"client_streams": 0}, "client_streams must be at least 1"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(
    environ: dict[str, str], overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        ServerConfig.from_env(environ, **overrides)


def test_granian_serves_the_app_factory_on_the_configured_address() -> None:
    config = ServerConfig(host="::1", port=8123, http_processes=3, http_threads=8, timeout=10)
    settings = GranianSettings.of(config)
    assert GranianSettings.parse(settings.arguments()) == settings  # as the supervisor gets them
    server = granian_server(settings)
    assert (server.bind_addr, server.bind_port) == ("::1", 8123)
    assert (server.workers, server.blocking_threads) == (3, 8 + WAITING_BODIES)  # bodies wait apart
    assert server.target == "ivig_graph.web.wsgi:app_from_environment"
    assert config.url == "http://[::1]:8123/"  # what the server prints once it is ready


def test_behind_the_front_granian_listens_on_a_socket_in_the_fronts_directory(
    tmp_path: Path,
) -> None:
    settings = GranianSettings.of(ServerConfig(front="nginx"), tmp_path)
    assert GranianSettings.parse(settings.arguments()) == settings
    assert granian_server(settings).bind_uds == tmp_path.resolve() / "granian.sock"
    assert granian_server(GranianSettings.of(ServerConfig())).bind_uds is None


def test_the_stream_limits_are_the_configured_ones(make_app: AppFactory) -> None:
    senders = make_app(client_streams=3, streams=5).extensions["ivig_graph"].senders
    assert (senders.per_client, senders.total) == (3, 5)
    default = make_app(http_threads=12).extensions["ivig_graph"].senders
    assert (default.per_client, default.total) == (2, 3)  # a quarter of the app's threads


def test_the_configuration_reaches_the_http_processes_through_the_environment() -> None:
    config = ServerConfig(port=8123, workers=3, trust_proxy=True, rate_limit="5 per second")
    assert ServerConfig.from_env(config.environment()) == config


def test_readyz_is_503_once_the_workers_are_gone(small_built: object, queries_dir: Path) -> None:
    app = create_app(small_built, endpoint_config(queries_dir, workers=1))  # type: ignore[arg-type]
    client: FlaskClient = app.test_client()
    assert client.get("/readyz").status_code == 200
    app.extensions["ivig_graph"].pool.close()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "Not ready" in as_text(response.data)
