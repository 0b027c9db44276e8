"""brainscore_vision's own models and benchmarks, loaded by id, and the one sentence said when their remote files
cannot be downloaded (offline, S3 refused)."""

from __future__ import annotations

#: the offline alternative named when a brainscore_vision model cannot get its files
OFFLINE_MODEL_HINT = "this suite's models (`brainscore list models`)"


def _download_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "a remote file could not be had": sockets/HTTP (OSError) and S3 (botocore)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return OSError, BotoCoreError, ClientError


def _download_attempts(error: BaseException) -> list[BaseException]:
    """The errors behind ``error``: brainio's S3 fetch raises a bare ``Exception`` holding the list of its signed and
    unsigned attempts' errors; any other error stands for itself."""
    return error.args[0] if type(error) is Exception and error.args and isinstance(error.args[0], list) else [error]


def is_download_failure(error: BaseException) -> bool:
    """Whether ``error`` means a remote file could not be had."""
    return all(isinstance(attempt, _download_errors()) for attempt in _download_attempts(error))


def offline_error(kind: str, identifier: str, error: BaseException, offline_hint: str):
    """``DataUnavailableError``: one sentence saying that ``identifier`` needs downloads, naming ``offline_hint``."""
    from brainscore_lcl.data.sources import DataUnavailableError

    error = _download_attempts(error)[-1]
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return DataUnavailableError(
        f"brainscore_vision's {kind} {identifier!r} needs files that could not be downloaded "
        f"({reason[:160]}); offline, use {offline_hint}"
    )


def load_from_brainscore_vision(kind: str, identifier: str, offline_hint: str):
    """brainscore_vision's ``load_<kind>(identifier)``; a failed download is one sentence naming ``offline_hint``."""
    import brainscore_vision

    try:
        return getattr(brainscore_vision, f"load_{kind}")(identifier)
    except Exception as error:
        if not is_download_failure(error):
            raise
        raise offline_error(kind, identifier, error, offline_hint) from None
