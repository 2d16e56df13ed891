"""Piccolo's configuration module (PICCOLO_CONF points here).

`DB` is the engine `qa_app.db` has bound (QA_DATABASE_URL until `use_database()` binds another),
looked up on each use; the apps are those of the installed packages.
"""

from piccolo.conf.apps import AppRegistry

from qa_app import db, packages

APP_REGISTRY = AppRegistry(apps=packages.piccolo_apps())


def __getattr__(name: str):
    if name == "DB":
        return db.current_engine()
    raise AttributeError(name)
