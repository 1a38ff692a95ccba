"""alliance: pooled demand for sustainable public procurement."""

import secrets
from pathlib import Path

from flask import Flask

from config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints and CLI. No network, no migrations."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    config = config or Config()
    app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'alliance.sqlite'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    from alliance import extensions, models  # noqa: F401  (models registers the tables)
    from alliance.api import init_api
    from alliance.auth.session import init_login
    from alliance.database import init_database
    from alliance.language import init_language
    from alliance.language.source_text import init_source_text
    from alliance.public_address import init_public_address
    from alliance.request_guard import init_request_guard
    from alliance.routing import init_routing
    from alliance.web import init_web

    init_public_address(app)
    init_database(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).parent.parent / "migrations"), render_as_batch=True
    )
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    init_login(app)
    init_routing(app)  # before any blueprint: their rules bind converters when added
    init_request_guard(app)
    init_language(app)  # before init_web: its template filters are the plain ones
    init_source_text(app)
    init_web(app)
    init_api(app)

    from alliance.cli import register_cli

    register_cli(app)
    return app


def _instance_secret_key(instance: Path) -> str:
    """A random key kept under instance/, so sessions survive restarts of the embedded setup."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
