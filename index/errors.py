"""Storage errors. Each says what failed and what the operator can do about it."""

from __future__ import annotations


class StorageError(Exception):
    """Base class: the store could not do what was asked."""

    zh = "数据未能保存或读取，请稍后重试；如果一直出现，请联系系统管理员检查数据库。"


class DatabaseUnavailable(StorageError):
    """The database refused or failed the operation (locked, disk full, connection lost, …)."""


class UnsupportedStoreURL(StorageError):
    """The configured storage URL names a backend this installation does not have."""


class MigrationError(StorageError):
    """The database schema could not be brought up to date."""


class NotFound(StorageError):
    """The record asked for does not exist."""


class VersionConflict(StorageError):
    """Someone else changed the record first; reload it and try again."""

    def __init__(self, case_id: int, expected: int, actual: int) -> None:
        super().__init__(
            f"case {case_id} was changed by someone else (expected version {expected}, found {actual}); "
            "reload the case and try again"
        )
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
