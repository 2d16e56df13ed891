"""Piccolo's configuration module (PICCOLO_CONF points here).

`DB` is the engine for QA_DATABASE_URL; `qa_app.db.use_database()` replaces it at run time.
"""

from piccolo.conf.apps import AppRegistry

from qa_app import packages
from qa_app.db import engine_for_url
from qa_app.settings import get_settings

DB = engine_for_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=packages.piccolo_apps())
