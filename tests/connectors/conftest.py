from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sales_analytics.connectors.config import FXIAOKE_OBJECTS, ZOHO_MODULES, SourcesConfig
from tests.connectors.data import fx_tenant, zoho_org
from tests.connectors.fakes import FX_CREDS, ZOHO_CREDS, FakeFxiaoke, FakeZoho


@pytest.fixture
def zoho_fake() -> Iterator[FakeZoho]:
    fake = FakeZoho(*zoho_org()).start()
    yield fake
    fake.stop()


@pytest.fixture
def fx_fake() -> Iterator[FakeFxiaoke]:
    fake = FakeFxiaoke(fx_tenant()).start()
    yield fake
    fake.stop()


@pytest.fixture
def creds_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SALES_ANALYTICS_CREDENTIALS", str(tmp_path / "no-such-credentials.yaml"))
    for key, value in ZOHO_CREDS.items():
        monkeypatch.setenv(f"ZOHO_{key.upper()}", value)
    for key, value in FX_CREDS.items():
        monkeypatch.setenv(f"FXIAOKE_{key.upper()}", value)


def make_config(tmp_path: Path, zoho: Any = None, fxiaoke: Any = None, **http: Any) -> SourcesConfig:
    """Sources pointed at the fakes; backoff in milliseconds so storms take no time."""
    sources: dict[str, Any] = {}
    if zoho is not None:
        sources["zoho"] = {
            "enabled": True,
            "accounts_url": zoho.url,
            "bulk_threshold": 3,
            "bulk_poll_s": 0,
            "per_page": 2,
            "modules": list(ZOHO_MODULES),  # every mapped module (Sales_Orders with Invoices too)
        }
    if fxiaoke is not None:
        sources["fxiaoke"] = {
            "enabled": True,
            "base_url": fxiaoke.url,
            "page_size": 2,
            "objects": list(FXIAOKE_OBJECTS),  # every mapped object (PaymentObj too)
        }
    return SourcesConfig.model_validate(
        {
            "raw_dir": str(tmp_path / "raw"),
            "current_dir": str(tmp_path / "current"),
            "http": {
                "timeout_s": 5,
                "max_retries": 4,
                "backoff_base_s": 0.001,
                "backoff_max_s": 0.01,
                **http,
            },
            "sources": sources,
        }
    )
