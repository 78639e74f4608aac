"""``parameters/sources.yaml``: which CRM sources to pull, what to fetch, where to write.

Credentials never live here (see :mod:`sales_analytics.connectors.credentials`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from sales_analytics.config import StrictModel, load_yaml, validate_model

__all__ = ["FxiaokeSource", "HttpParams", "PullStep", "SourcesConfig", "ZohoSource", "load_sources"]

#: Zoho data centre → (accounts server, API server). The accounts and API hosts differ per centre
#: (zoho.com/crm/developer/docs/api/v8/multi-dc.html).
ZOHO_DATA_CENTRES: dict[str, tuple[str, str]] = {
    "com": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "com.cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "com.au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
}

#: Zoho modules the io profiles map (module API name); ``Events`` is shown as Meetings in the UI.
ZOHO_MODULES = ("Deals", "Accounts", "Contacts", "Calls", "Events", "Sales_Orders", "Invoices")
#: Modules / objects that each feed the orders table: pulling two of them counts a sale twice.
ORDER_SOURCES = {"zoho": ("Sales_Orders", "Invoices"), "fxiaoke": ("SalesOrderObj", "PaymentObj")}

#: Fxiaoke objects the io profiles map (销售订单, 客户, 商机, 销售记录, 回款, 人员).
FXIAOKE_OBJECTS = (
    "SalesOrderObj",
    "AccountObj",
    "NewOpportunityObj",
    "ActiveRecordObj",
    "PaymentObj",
    "PersonnelObj",
)


class HttpParams(StrictModel):
    """How requests are made: timeouts, retries with exponential backoff, a per-pull call budget."""

    timeout_s: float = Field(60.0, gt=0, description="per request")
    max_retries: int = Field(6, ge=0, le=20, description="retries of one request on 429, 5xx, timeouts")
    backoff_base_s: float = Field(1.0, ge=0, description="first wait; doubles per retry")
    backoff_max_s: float = Field(60.0, ge=0, description="longest single wait (also caps Retry-After)")
    max_requests: int = Field(
        20000, ge=1, description="API calls one pull may spend (Zoho counts credits per day)"
    )


class ZohoSource(StrictModel):
    enabled: bool = False
    current_dir: str = Field("", description="this source's current view; '' = the top-level current_dir")
    data_centre: Literal["com", "com.cn", "eu", "in", "com.au", "jp"] = "com"
    api_version: str = Field("v8", pattern=r"^v\d+$")
    modules: list[Literal[ZOHO_MODULES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: [m for m in ZOHO_MODULES if m not in ("Contacts", "Invoices")],
        description="Contacts (customers who are people) and Invoices (instead of Sales_Orders) on request",
    )
    users: bool = Field(True, description="pull Users (the reps table)")
    stage_history: bool = Field(True, description="pull the Stage_History of every changed deal")
    extra_fields: dict[str, list[str]] = Field(
        default_factory=dict, description="module -> more field API names to fetch"
    )
    per_page: int = Field(200, ge=1, le=200)
    bulk_threshold: int = Field(
        10000, ge=0, description="a full pull of a module with more records uses Bulk Read (0: never)"
    )
    bulk_poll_s: float = Field(10.0, ge=0)
    bulk_timeout_s: float = Field(3600.0, gt=0)
    accounts_url: str = Field("", description="override the data centre's accounts server")
    api_url: str = Field("", description="override the API server (else the token's api_domain)")


class FxiaokeSource(StrictModel):
    enabled: bool = False
    current_dir: str = Field("", description="this source's current view; '' = the top-level current_dir")
    base_url: str = "https://open.fxiaoke.com"
    objects: list[str] = Field(
        default_factory=lambda: [o for o in FXIAOKE_OBJECTS if o != "PaymentObj"],
        description="PaymentObj (回款) instead of SalesOrderObj on request",
    )
    page_size: int = Field(100, ge=1, le=100)
    modified_field: str = "last_modified_time"


class _Sources(StrictModel):
    zoho: ZohoSource = Field(default_factory=ZohoSource)
    fxiaoke: FxiaokeSource = Field(default_factory=FxiaokeSource)


class SourcesConfig(StrictModel):
    """The validated ``parameters/sources.yaml``."""

    raw_dir: str = Field("data/raw", description="immutable pulls: <raw_dir>/<source>/<stamp>/")
    current_dir: str = Field("data/current", description="merged current view a run reads")
    credentials_file: str = Field(
        "", description="YAML outside the project; '' = $SALES_ANALYTICS_CREDENTIALS or the user default"
    )
    http: HttpParams = Field(default_factory=HttpParams)
    sources: _Sources = Field(default_factory=_Sources)
    file: str = Field("", exclude=True, description="where this was loaded from (set by load_sources)")

    def path(self, value: str) -> Path:
        from sales_analytics import paths

        p = Path(value).expanduser()
        return p if p.is_absolute() else paths.project_root() / p

    @property
    def raw_path(self) -> Path:
        return self.path(self.raw_dir)

    @property
    def current_path(self) -> Path:
        return self.path(self.current_dir)

    def current_path_of(self, source: str) -> Path:
        """Where ``source``'s current view goes (its own ``current_dir`` or the shared one)."""
        own = getattr(self.sources, source).current_dir
        return self.path(own) if own else self.current_path


class PullStep(StrictModel):
    """The ``pull:`` section of ``parameters/default.yaml``: pull before ``sales-analytics run``."""

    enabled: bool = Field(False, description="pull the enabled sources before every run")
    sources: list[Literal["zoho", "fxiaoke"]] = Field(
        default_factory=list, description="[] = every source enabled in sources.yaml"
    )
    file: str = Field("", description="sources file; '' = parameters/sources.yaml")


def load_sources(path: str | Path | None = None) -> SourcesConfig:
    """Read and validate ``parameters/sources.yaml`` (unknown keys are errors naming the key).

    >>> cfg = load_sources()
    >>> cfg.sources.zoho.data_centre in ZOHO_DATA_CENTRES
    True
    """
    from sales_analytics import paths

    p = Path(path) if path is not None else paths.project_root() / "parameters" / "sources.yaml"
    data = load_yaml(p)
    data["file"] = str(p)
    return validate_model(SourcesConfig, data, p)
