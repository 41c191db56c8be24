"""gunicorn settings read from the working directory by bin/serve and the systemd unit.

The access log keeps the path without its query string and without the Referer: search boxes
travel in query strings, and a clerk may type a full identity or phone number there, which
must never reach a log in plain text (only the audit log keeps the search, masked).
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
