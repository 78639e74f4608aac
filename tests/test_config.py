import textwrap

import pytest

from sales_analytics.config import load_parameters, load_yaml
from sales_analytics.errors import ConfigError


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    p = load_parameters(write(tmp_path / "p.yaml", ""))
    assert p.language == "zh" and p.fiscal_year_start == 1


def test_unknown_top_level_key_names_file_and_key(tmp_path):
    f = write(tmp_path / "p.yaml", "langauge: en\n")
    with pytest.raises(ConfigError, match=r"p\.yaml, key 'langauge': is not a known key"):
        load_parameters(f)


def test_unknown_nested_key_lists_allowed_keys(tmp_path):
    f = write(tmp_path / "p.yaml", "surveys:\n  anonymity_treshold: 3\n")
    with pytest.raises(
        ConfigError, match=r"key 'surveys\.anonymity_treshold': is not a known key; allowed keys"
    ):
        load_parameters(f)


def test_bad_value_echoes_it(tmp_path):
    f = write(tmp_path / "p.yaml", "fiscal_year_start: 13\n")
    with pytest.raises(ConfigError, match=r"key 'fiscal_year_start'.*Got 13 instead"):
        load_parameters(f)


def test_all_problems_reported_at_once(tmp_path):
    f = write(tmp_path / "p.yaml", "language: fr\nfiscal_year_start: 0\n")
    with pytest.raises(ConfigError) as info:
        load_parameters(f)
    assert len(info.value.issues) == 2
    assert "2 problems" in str(info.value)


def test_period_file_overlays_and_is_checked_on_its_own(tmp_path):
    base = write(tmp_path / "default.yaml", "language: zh\n")
    (tmp_path / "periods").mkdir()
    write(tmp_path / "periods" / "2026-10.yaml", "language: en\n")
    assert load_parameters(base, period="2026-10").language == "en"
    assert load_parameters(base, period="2026-09").language == "zh"
    write(tmp_path / "periods" / "2026-10.yaml", "lang: en\n")
    with pytest.raises(ConfigError, match=r"2026-10\.yaml, key 'lang'"):
        load_parameters(base, period="2026-10")


def test_overrides_apply_last_and_are_named(tmp_path):
    base = write(tmp_path / "default.yaml", "language: zh\n")
    assert load_parameters(base, overrides={"language": "en"}).language == "en"
    with pytest.raises(ConfigError, match="command-line options"):
        load_parameters(base, overrides={"bogus": 1})


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_parameters(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d"):
        load_yaml(write(tmp_path / "bad.yaml", "a: 1\nb: [\n"))
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_yaml(write(tmp_path / "list.yaml", "- 1\n- 2\n"))


def test_shipped_default_parameters_are_valid():
    from sales_analytics import paths

    p = load_parameters(paths.parameters_dir() / "default.yaml")
    assert p.language in ("zh", "en")
