"""Migration 0003 keeps every existing account working: active members, confirmed, sensible admins."""

import flask_migrate
import sqlalchemy as sa

from alliance import create_app
from config import TestConfig


def test_existing_users_become_members_and_lead_users_and_first_users_admins(tmp_path):
    config = TestConfig()
    config.SECRET_KEY = "migration-test"
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite'}"  # its own database, at 0002
    config.REDIS_EMBEDDED_PATH = str(tmp_path / "redis.rdb")
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(revision="0002_notification_preference")
        from alliance.extensions import db

        with db.engine.begin() as connection:
            now = "2026-01-01 00:00:00"
            for org_id, name in ((1, "Lead region"), (2, "Member town")):
                connection.execute(sa.text(
                    "INSERT INTO organisation (id, name, kind, org_type, country, verified, sme, created_at) "
                    "VALUES (:id, :name, 'buyer', 'region', 'SE', 1, 0, :now)"), {"id": org_id, "name": name, "now": now})
            for user_id, org_id in ((1, 1), (2, 1), (3, 2), (4, 2)):
                connection.execute(sa.text(
                    'INSERT INTO "user" (id, email, name, password_hash, organisation_id, is_admin, disabled, '
                    "session_nonce, created_at) VALUES (:id, :email, 'U', 'x', :org, 0, 0, 'n', :now)"),
                    {"id": user_id, "email": f"u{user_id}@example.test", "org": org_id, "now": now})
            connection.execute(sa.text(
                "INSERT INTO alliance (id, slug, name, sector, charter, k, p, currency, created_at) "
                "VALUES (1, 'ict', 'ICT', 'ict', '', 3, 80, 'EUR', :now)"), {"now": now})
            connection.execute(sa.text(
                "INSERT INTO membership (alliance_id, organisation_id, role, status, requested_at) "
                "VALUES (1, 1, 'lead', 'active', :now)"), {"now": now})
            # Rows that reference users with ON DELETE CASCADE must survive the rebuild of the user table.
            connection.execute(sa.text(
                "INSERT INTO api_token (user_id, name, token_hash, prefix, created_at) "
                "VALUES (1, 'kept', 'h', 'alc_', :now)"), {"now": now})
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                'SELECT id, organisation_id, organisation_role, email_confirmed_at FROM "user" ORDER BY id')).all()
            tokens = connection.execute(sa.text("SELECT name FROM api_token")).scalars().all()
            foreign_keys_on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        db.engine.dispose()
    assert tokens == ["kept"] and foreign_keys_on == 1
    assert [(r.id, r.organisation_id, r.organisation_role) for r in rows] == [
        (1, 1, "admin"), (2, 1, "admin"), (3, 2, "admin"), (4, 2, "member")]
    assert all(r.email_confirmed_at is not None for r in rows)
