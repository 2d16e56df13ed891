"""The shell of the platform: settings, database, auth, the web app, the `qa` command,
the organisation, calls and their import."""

import os

# Piccolo finds its engine and apps through this module; see qa_app/db.py.
os.environ.setdefault("PICCOLO_CONF", "qa_app.piccolo_conf")
