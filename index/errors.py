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


class SearchUnavailable(StorageError):
    """The search cluster cannot be reached or is overloaded (connection refused, timeout, 429, 503).

    Nothing is lost: changes wait in the search outbox of the record store and are indexed when
    the cluster answers again.
    """

    zh = "搜索服务暂时无法连接，新留言已正常保存，恢复后会自动补录索引；请稍后再试，或联系系统管理员检查搜索集群。"


class SearchRejected(StorageError):
    """The search cluster refused a request as invalid (mapping conflict, bad analyzer, bad query)."""

    zh = "搜索服务拒绝了请求（索引结构或配置有误），请联系系统管理员查看日志并重建索引。"
