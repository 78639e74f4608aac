"""Pulls from CRM APIs (Zoho CRM, Fxiaoke) into immutable raw folders and a merged current view.

``sales-analytics pull`` writes each pull under ``<raw_dir>/<source>/<UTC stamp>/`` exactly as
the platform answered (JSON pages, Bulk Read zips) with a manifest ``_pull.json``; only a
complete pull is merged into ``<current_dir>`` (files the io source profiles read). See
``docs/sources.md``.
"""

from __future__ import annotations

from sales_analytics.connectors.common import CredentialError, PullError
from sales_analytics.connectors.config import SourcesConfig, load_sources
from sales_analytics.connectors.pull import PullResult, pull

__all__ = ["CredentialError", "PullError", "PullResult", "SourcesConfig", "load_sources", "pull"]
