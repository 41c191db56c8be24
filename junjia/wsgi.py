"""WSGI entry point (gunicorn junjia.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junjia.settings.embedded")
application = get_wsgi_application()
