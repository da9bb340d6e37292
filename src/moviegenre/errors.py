"""Errors a user can act on. The CLI prints them as one line and exits with status 2."""


class MovieGenreError(Exception):
    """Base class: the message is shown to the user as is."""


class DataError(MovieGenreError):
    """Input data that cannot be read (missing file, wrong format, wrong columns)."""


class ModelError(MovieGenreError):
    """A model folder that cannot be loaded, or a model used before it was fitted."""


class ConfigError(MovieGenreError, ValueError):
    """A setting that makes no sense (unknown input or fusion, a negative size, ...); names the field."""
