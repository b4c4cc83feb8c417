"""Errors raised by the understanding layer.

Each exception names what went wrong and what the operator should do next, because the
people who see them run a county deployment, not this code.
"""

from __future__ import annotations

from pathlib import Path


class NlpError(Exception):
    """Base class: the understanding layer could not do what was asked."""


class ModelNotFound(NlpError):
    """The domain model file (or its metadata file) is missing."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(
            f"domain model not found at {path}; run `huiying nlp train` "
            "(or `python -m nlp.training train <labelled.csv>`) to build it, or pass the path of an existing model"
        )
        self.path = Path(path)


class ModelMetadataMismatch(NlpError):
    """The saved model does not match this installation or its metadata is missing or wrong."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(
            f"refusing to load domain model {path}: {problem}; "
            "run `huiying nlp train` (or `python -m nlp.training train <labelled.csv>`) "
            "to rebuild the model for this installation"
        )
        self.path = Path(path)
        self.problem = problem


class UntrustedModelTypes(NlpError):
    """The model file contains object types outside the reviewed allow-list."""

    def __init__(self, path: Path | str, types: list[str]) -> None:
        super().__init__(
            f"refusing to load domain model {path}: it contains types that are not on the allow-list "
            f"({', '.join(sorted(types))}); only load models built by `huiying nlp train`, "
            "or review these types and add them to nlp.domain_model.TRUSTED_TYPES"
        )
        self.path = Path(path)
        self.types = sorted(types)


class TrainingDataError(NlpError):
    """The labelled data file cannot be used for training or evaluation."""


class ConfigError(NlpError):
    """A county configuration or lexicon file is missing or invalid."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


class RoutingConfigError(ConfigError):
    """The routing table names an unknown unit or is otherwise malformed."""


class LexiconError(ConfigError):
    """A rule lexicon (urgency, kind, sentiment, stop words) is malformed."""
