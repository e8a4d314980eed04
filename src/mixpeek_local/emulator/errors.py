"""The API's error envelope: {"success": false, "status", "error": {message, type, code?, details?}}."""

from __future__ import annotations

from typing import Any

DEFAULT_TYPES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    409: "ConflictError",
    422: "ValidationError",
    429: "RateLimitError",
    503: "ServiceUnavailable",
}


def default_type(status: int) -> str:
    """The error `type` the emulator uses for a status when the caller names none."""
    if status in DEFAULT_TYPES:
        return DEFAULT_TYPES[status]
    return "InternalServerError" if status >= 500 else "HTTPError"


def error_body(
    status: int,
    message: str,
    error_type: str | None = None,
    code: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build an ErrorResponse payload."""
    error: dict[str, Any] = {"message": message, "type": error_type or default_type(status)}
    if code is not None:
        error["code"] = code
    if details is not None:
        error["details"] = details
    return {"success": False, "status": status, "error": error}


class ApiError(Exception):
    """Raised by route handlers; the server turns it into an ErrorResponse."""

    def __init__(
        self,
        status: int,
        message: str,
        error_type: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type
        self.code = code
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The ErrorResponse payload for this error."""
        return error_body(self.status, self.message, self.error_type, self.code, self.details)


def validation_error(message: str, code: str | None = None, **details: Any) -> ApiError:
    """A 422 ValidationError."""
    return ApiError(422, message, "ValidationError", code, details or None)
