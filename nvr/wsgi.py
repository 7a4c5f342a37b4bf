"""WSGI entry point (tests and tools; production serves through daphne and nvr.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvr.settings")
application = get_wsgi_application()
