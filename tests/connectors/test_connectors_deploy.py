"""The scheduled pull: the daily cron line, and the monthly service allowed to write data/."""

from __future__ import annotations

import configparser

from sales_analytics import paths

DEPLOY = paths.project_root() / "deploy"


def test_daily_pull_cron_line():
    text = (DEPLOY / "cron" / "sales-workbook-pull.cron").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert fields[:5] == ["15", "6", "*", "*", "*"]  # 06:15 every day, before the 06:30 monthly run
    assert "sales-analytics pull" in fields[5] and "%" not in fields[5]


def test_service_may_write_the_pulled_data_and_reads_secrets_from_outside():
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / "sales-workbook-run.service", encoding="utf-8")
    service = parser["Service"]
    assert "/opt/sales-workbook/data" in service["ReadWritePaths"].split()
    assert service["EnvironmentFile"].startswith("-/etc/")  # outside the checkout, optional
