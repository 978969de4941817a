"""The Uptake web application: create_app() builds it from a config class."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.extensions import csrf, db, login_manager, migrate
from config import Config, load_or_create_secret_key


def create_app(config_class: type[Config] = Config) -> Flask:
    app = Flask(__name__, instance_path=str(config_class.INSTANCE_PATH))
    app.config.from_object(config_class)
    from app.params import BoundedIntegerConverter

    app.url_map.converters["int"] = BoundedIntegerConverter  # before any route is added
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(config_class.INSTANCE_PATH)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        config_class.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)

    from app import database  # noqa: F401  (registers the SQLite pragmas)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    _init_login(app)

    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.main import bp as main_bp
    from app.sim import bp as sim_bp
    from app.trainee import bp as trainee_bp
    from app.trainer import bp as trainer_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(trainee_bp, url_prefix="/me")
    app.register_blueprint(sim_bp, url_prefix="/me")
    app.register_blueprint(trainer_bp, url_prefix="/trainer")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")

    @app.template_filter("local_time")
    def _local_time(moment):
        """A moment as the signed-in person's organisation reads it (its time zone, named)."""
        from flask_login import current_user

        from app.services.messages import local_time

        organisation = getattr(current_user, "organisation", None) if current_user else None
        if organisation is None:
            return f"{moment:%A %d %B %Y, %H:%M} (UTC)"
        return local_time(organisation, moment)

    @app.context_processor
    def _template_helpers():
        import time

        def manages_anyone() -> bool:  # the "My team" link, asked once per page
            from flask import g
            from flask_login import current_user

            if "manages_anyone" not in g:
                from app.services.team import manages_anyone as query

                g.manages_anyone = bool(current_user.is_authenticated and query(current_user))
            return g.manages_anyone

        def question_text(stem, stem_html=None):  # a question's text: formatted with its pictures, or plain
            from app.services.assets import stem_markup

            return stem_markup(stem, stem_html)

        return {"server_time_ms": lambda: time.time_ns() // 1_000_000, "manages_anyone": manages_anyone,
                "question_text": question_text}

    from app.cli import register_cli
    from app.errors import register_error_handlers
    from app.security import register_security

    register_error_handlers(app)
    register_security(app)
    register_cli(app)
    from app.services.events import connect_listeners

    connect_listeners()
    return app


def _init_login(app: Flask) -> None:
    from app.services.auth import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    # Flask-Login's own "remember me" cookie is not used; sessions end with the browser or the timeouts.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, request, url_for

        from app.errors import error_response, wants_json

        if wants_json():
            return error_response(401)
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
