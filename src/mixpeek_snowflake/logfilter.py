"""A logging filter on every bundle logger: records leave with each 8+ character fragment of the API key redacted."""

from __future__ import annotations

import logging

from mixpeek_snowflake.errors import protect, redact_secrets

ROOT = "mixpeek_snowflake"


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) and its traceback text with the key's fragments redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact_secrets(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_secrets(record.stack_info)
        return True


FILTER = RedactingFilter()


def bundle_loggers() -> list[logging.Logger]:
    """The bundle's loggers that exist now: the root one and every mixpeek_snowflake.* logger."""
    names = [n for n in logging.root.manager.loggerDict if n == ROOT or n.startswith(ROOT + ".")]
    return [logging.getLogger(n) for n in sorted({ROOT, *names})]


def install() -> None:
    """Put the filter on every bundle logger (a logger's filters see only its own records, not its children's)."""
    for logger in bundle_loggers():
        if FILTER not in logger.filters:
            logger.addFilter(FILTER)


def guard(secret: str) -> None:
    """Protect the secret in errors and log records from now on."""
    protect(secret)
    install()
