"""Refusing a caller who asked too often: the error the edges turn into 429 and Retry-After."""

from domain.errors import DomainError


class RateLimited(DomainError):
    """Too many attempts in the window; nothing was done, retry after `retry_after_seconds`."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after_seconds: int) -> None:
        if retry_after_seconds < 1:
            raise ValueError("a refusal must ask the caller to wait at least one second")
        super().__init__(f"Too many requests: retry in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds
