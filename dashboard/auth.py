"""Signing in and staying signed in, in the board's words.

Passwords are checked by ``workflow.accounts.authenticate`` (Argon2id hashes); this module only
turns its answers into what the sign-in form shows, and re-reads the account on every page run
so that a disabled account or a changed role takes effect at once, not at the next sign-in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.texts import role_name, unit_name
from index.records import User
from index.store import RecordStore
from workflow.accounts import authenticate
from workflow.errors import AuthenticationFailed

MISSING_INPUT = "请输入用户名和密码后再点击“登录”。"
ACCOUNT_GONE = "您的账号已被停用或删除，请重新登录；如有疑问请联系系统管理员。"


@dataclass(frozen=True)
class SignIn:
    """The result of the sign-in form: the user, or the Chinese reason to show."""

    user: User | None
    message: str = ""


def sign_in(store: RecordStore, username: str, password: str) -> SignIn:
    """Check the form's user name and password; never says which of the two was wrong."""
    if not username.strip() or not password:
        return SignIn(None, MISSING_INPUT)
    try:
        return SignIn(without_secret(authenticate(store, username, password)))
    except AuthenticationFailed as exc:
        return SignIn(None, exc.zh)


def without_secret(user: User) -> User:
    """The account without its password hash: the session keeps only what pages need."""
    return dataclasses.replace(user, password_hash="")


def refresh(store: RecordStore, user: User) -> User | None:
    """The account as stored now; ``None`` when it was removed or disabled since sign-in."""
    current = store.get_user(user.username)
    if current is None or not current.active:
        return None
    return without_secret(current)


def user_caption(user: User, names: Mapping[str, str]) -> str:
    """Who is signed in, as the sidebar shows it: name, role and, for unit roles, the unit."""
    parts = [user.display_name or user.username, role_name(user.role)]
    if user.unit_id:
        parts.append(unit_name(user.unit_id, names))
    return " · ".join(parts)
