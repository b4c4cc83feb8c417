"""Accounts: passwords kept only as Argon2id hashes, and sign-in that says what went wrong."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from index.records import User
from index.store import RecordStore
from workflow.errors import AuthenticationFailed
from workflow.permissions import ROLES

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return PasswordHasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    store: RecordStore, username: str, password: str, role: str, display_name: str = "", unit_id: str = ""
) -> User:
    """Create or replace an account; unit roles must name the unit they work for."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {sorted(ROLES)}")
    if role in ("unit_handler", "unit_leader") and not unit_id:
        raise ValueError("a unit role needs the unit it belongs to")
    known_units = {u.id for u in store.units()}
    if unit_id and unit_id not in known_units:
        raise ValueError(f"unknown unit {unit_id!r}; load the county's units first")
    user = User(
        username=username, display_name=display_name or username, role=role,
        unit_id=unit_id, password_hash=hash_password(password),
    )
    store.upsert_user(user)
    return user


def authenticate(store: RecordStore, username: str, password: str) -> User:
    user = store.get_user(username.strip())
    if user is None or not verify_password(user.password_hash, password):
        raise AuthenticationFailed(
            f"sign-in failed for {username!r}", "用户名或密码不正确，请重新输入；忘记密码请联系系统管理员。"
        )
    if not user.active:
        raise AuthenticationFailed(f"account {username!r} is disabled", "该账号已停用，请联系系统管理员。")
    return user
