"""Marathon app ids: ``<service>.<instance>.git<sha8>.config<hash8>``.

Marathon ids may not contain ``_``, so every component has ``_`` written as
``--``; ``deformat_job_id`` reverses that.  Marathon returns ids with a
leading ``/``, which is accepted and dropped here.
"""

from __future__ import annotations

from typing import NamedTuple

from paasta_tools.errors import InvalidJobNameError

SPACER = "."


class JobId(NamedTuple):
    """The parts of an app id; ``git_hash``/``config_hash`` are None for a short id."""

    service: str
    instance: str
    git_hash: str | None = None
    config_hash: str | None = None


def _escape(part: str) -> str:
    return str(part).replace("_", "--")


def compose_job_id(service: str, instance: str, git_hash: str | None = None, config_hash: str | None = None) -> str:
    """Join the parts with ``.``; git and config hash come together or not at all."""
    composed = f"{service}{SPACER}{instance}"
    if git_hash and config_hash:
        return f"{composed}{SPACER}{git_hash}{SPACER}{config_hash}"
    if git_hash or config_hash:
        raise InvalidJobNameError(
            f"invalid job id {composed!r}: git_hash ({git_hash}) and config_hash ({config_hash}) "
            "must both be defined or neither can be defined"
        )
    return composed


def format_job_id(service: str, instance: str, git_hash: str | None = None, config_hash: str | None = None) -> str:
    """The Marathon app id for the parts, with ``_`` escaped as ``--`` in each."""
    return compose_job_id(
        _escape(service),
        _escape(instance),
        _escape(git_hash) if git_hash else None,
        _escape(config_hash) if config_hash else None,
    )


def decompose_job_id(job_id: str) -> JobId:
    """Split an (unescaped) id on ``.`` into 2 or 4 parts."""
    parts = job_id.split(SPACER)
    if len(parts) == 2:
        return JobId(parts[0], parts[1])
    if len(parts) == 4:
        return JobId(parts[0], parts[1], parts[2], parts[3])
    raise InvalidJobNameError(f"invalid job id {job_id!r}: expected service.instance[.git<sha>.config<hash>]")


def deformat_job_id(job_id: str) -> JobId:
    """Reverse ``format_job_id``: strip a leading ``/``, turn ``--`` back into ``_`` and split."""
    return decompose_job_id(job_id.lstrip("/").replace("--", "_"))


def short_app_id(service: str, instance: str) -> str:
    """The formatted ``service.instance`` part of an app id (no leading slash)."""
    return format_job_id(service, instance)


def app_id_prefix(service: str, instance: str) -> str:
    """Prefix shared by every Marathon app of the instance ("matching apps")."""
    return f"/{short_app_id(service, instance)}{SPACER}"


def is_app_of_instance(app_id: str, service: str, instance: str) -> bool:
    """True if the Marathon app id (with or without a leading ``/``) belongs to service.instance."""
    return ("/" + app_id.lstrip("/")).startswith(app_id_prefix(service, instance))


def code_sha_from_docker_url(docker_url: str) -> str:
    """``git`` + the first 8 chars of the last ``-`` separated part of the image url."""
    return "git" + docker_url.split("-")[-1][:8]
