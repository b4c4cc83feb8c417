"""Every setting is declared once, resolved predictably, and documented in the README."""

from __future__ import annotations

from pathlib import Path

from huiying.settings import SETTINGS, load_config

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in text]
    assert not missing, f"README does not document {missing}"


def test_flags_win_over_environment_and_environment_over_defaults(tmp_path):
    env = {"HUIYING_DATA_DIR": str(tmp_path / "env"), "HUIYING_BOARD_PORT": "9000"}
    config = load_config({"board_port": 9100}, environ=env)
    assert config.board_port == 9100
    assert config.data_dir == (tmp_path / "env").resolve()
    assert config.store_url == f"sqlite:///{(tmp_path / 'env' / 'huiying.db').resolve()}"
    assert load_config(environ={}).board_port == 8501


def test_the_child_process_environment_reproduces_the_config(tmp_path):
    config = load_config({"data_dir": str(tmp_path)}, environ={})
    assert load_config(environ=config.env()) == config
