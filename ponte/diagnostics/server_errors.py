"""Every 500 leaves a diagnostic entry: a logging handler on `django.request`.

Django logs each uncaught exception there with the request and the exception, for
web pages, the API and webhooks alike; the console handler prints the traceback
beside this one. Loaded by LOGGING before the apps are ready, so models are
imported only when a record arrives.
"""

import logging


class ServerErrorEntries(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        request = getattr(record, "request", None)
        if request is None or not record.exc_info or getattr(record, "status_code", 500) < 500:
            return
        try:
            from ponte.diagnostics.services import do_record_server_error

            do_record_server_error(request, record.exc_info[1])
        except Exception:
            self.handleError(record)
