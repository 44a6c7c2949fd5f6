"""Hearth's development tooling: the ``hearth`` command, the Docker-free local stack, the SAM
template reader and generator. Installed for development; never part of a deployed layer."""
