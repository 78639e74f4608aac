"""``parameters/notify.yaml``: the channels results are posted to, validated (unknown keys are errors).

Secrets never live in this file: a channel names the environment variable (or a
file outside the project folder) that holds its webhook URL, signing secret or
SMTP address. Example::

    views_url: https://reports.example.com/
    channels:
      sales-group:
        kind: wecom
        audience: group
        webhook_env: SA_WECOM_WEBHOOK
        send: [digest, cards]
      managers:
        kind: email
        audience: managers
        smtp_env: SA_SMTP_URL          # smtp://user:password@host:587?starttls=1
        sender: reports@example.com
        to: [director@example.com]
        send: [digest, report, summary]

The ``notify:`` section of the run parameters (:class:`NotifyStep`) switches
the step on after a successful ``sales-analytics run``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from sales_analytics import paths
from sales_analytics.config import StrictModel, load_yaml, validate_model
from sales_analytics.errors import ConfigError

__all__ = ["Channel", "NotifyConfig", "NotifyStep", "RetryParams", "load_notify_config", "read_secret"]

Kind = Literal["wecom", "dingtalk", "feishu", "email"]
Send = Literal["digest", "cards", "report", "summary"]
_DEFAULT_SEND: tuple[Send, ...] = ("digest", "cards")
# What each kind of channel can carry: chat bots post markdown and (WeCom) images;
# e-mail carries everything as a body and attachments.
SENDABLE: dict[str, frozenset[str]] = {
    "wecom": frozenset({"digest", "cards"}),
    "dingtalk": frozenset({"digest", "cards"}),
    "feishu": frozenset({"digest", "cards"}),
    "email": frozenset({"digest", "cards", "report", "summary"}),
}
# Items only managers may receive: report.xlsx holds pay and commission.
MANAGERS_ONLY = frozenset({"report"})
# Messages a bot accepts per minute. WeCom and DingTalk document 20 per bot; Feishu's
# custom bots allow more (100/min, 5/s) but the same 20 keeps a group readable.
DEFAULT_RATE_PER_MINUTE = 20


class RetryParams(StrictModel):
    """Retries on a rate-limit or 5xx answer: waits ``backoff_s · 2^(attempt-1)``, at most ``max_backoff_s``."""

    attempts: int = Field(4, ge=1, le=10, description="tries per message, the first included")
    backoff_s: float = Field(2.0, ge=0, description="wait before the second try")
    max_backoff_s: float = Field(60.0, ge=0, description="longest single wait")
    timeout_s: float = Field(15.0, gt=0, description="seconds to wait for one answer")


class Channel(StrictModel):
    """One destination: a group bot or a mailing list."""

    kind: Kind
    audience: Literal["group", "managers"] = "group"
    send: list[Send] = Field(default_factory=lambda: list(_DEFAULT_SEND), min_length=1)
    enabled: bool = True
    webhook_env: str = Field("", description="environment variable holding the bot's webhook URL")
    webhook_file: str = Field("", description="file (outside the project) holding the webhook URL")
    secret_env: str = Field("", description="environment variable holding the signing secret")
    secret_file: str = Field("", description="file (outside the project) holding the signing secret")
    smtp_env: str = Field("", description="environment variable holding smtp[s]://user:password@host:port")
    smtp_file: str = Field("", description="file (outside the project) holding the SMTP URL")
    sender: str = Field("", description="From: address of e-mail")
    to: list[str] = Field(default_factory=list, description="e-mail recipients")
    rate_per_minute: int = Field(DEFAULT_RATE_PER_MINUTE, ge=1, le=600)
    rate_window_s: float = Field(60.0, gt=0, description="window the rate applies to (tests shorten it)")
    max_cards: int = Field(20, ge=0, description="at most this many 喜报 cards per period")

    @model_validator(mode="after")
    def _check(self) -> Channel:
        allowed = SENDABLE[self.kind]
        bad = [s for s in self.send if s not in allowed]
        if bad:
            raise ValueError(f"a {self.kind} channel cannot send {bad}; it can send {sorted(allowed)}")
        if self.audience == "group" and MANAGERS_ONLY & set(self.send):
            raise ValueError(
                "report.xlsx holds pay and commission: send 'report' only to audience 'managers'"
            )
        if self.kind == "email":
            if not (self.smtp_env or self.smtp_file):
                raise ValueError("an email channel needs smtp_env or smtp_file")
            if not self.to or not self.sender:
                raise ValueError("an email channel needs 'sender' and at least one address in 'to'")
            if self.webhook_env or self.webhook_file or self.secret_env or self.secret_file:
                raise ValueError("an email channel takes smtp_env/smtp_file, not a webhook or secret")
        else:
            if not (self.webhook_env or self.webhook_file):
                raise ValueError(f"a {self.kind} channel needs webhook_env or webhook_file")
            if self.smtp_env or self.smtp_file or self.to or self.sender:
                raise ValueError(f"a {self.kind} channel takes a webhook, not smtp/sender/to")
            if self.kind == "wecom" and (self.secret_env or self.secret_file):
                raise ValueError(
                    "WeCom group bots have no signing secret: the key is part of the webhook URL"
                )
        return self


class NotifyConfig(StrictModel):
    """The whole ``notify.yaml``."""

    views_url: str = Field("", description="link to the views shown at the end of a digest")
    big_deal_amount: float = Field(
        0, ge=0, description="a deal won in the period at least this large earns a 喜报 card (0 = none)"
    )
    top_n: int = Field(3, ge=1, le=10, description="rows shown from the top of each board")
    retry: RetryParams = Field(default_factory=RetryParams)
    channels: dict[str, Channel] = Field(default_factory=dict)


class NotifyStep(StrictModel):
    """The ``notify:`` section of the run parameters: post after a successful run.

    >>> NotifyStep().enabled, NotifyStep(enabled=True, channels=["sales-group"]).channels
    (False, ['sales-group'])
    """

    enabled: bool = Field(False, description="post the bundle after `sales-analytics run` publishes it")
    channels: list[str] = Field(
        default_factory=list, description="channels to post to; [] = every enabled one"
    )
    file: str = Field("", description="channels file; '' = notify.yaml next to the parameters file")


def load_notify_config(path: str | Path | None = None) -> NotifyConfig:
    """Read and validate ``notify.yaml`` (default ``parameters/notify.yaml``)."""
    path = Path(path) if path else paths.parameters_dir() / "notify.yaml"
    config = validate_model(NotifyConfig, load_yaml(path), path)
    for name in config.channels:
        if not name or any(c in name for c in "/\\ "):
            raise ConfigError(str(path), f"channels.{name}", "a channel name has no spaces or slashes")
    return config


def _inside_project(path: Path) -> bool:
    root = paths.project_root().resolve()
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def read_secret(channel_name: str, env: str, file: str, what: str) -> str:
    """The secret named by ``env`` or ``file``; ConfigError (never echoing the value) when absent.

    A file must lie outside the project folder, so a secret cannot be committed by accident.
    """
    where = f"channels.{channel_name}"
    if env:
        value = os.environ.get(env, "").strip()
        if not value:
            raise ConfigError("notify.yaml", f"{where}.{what}_env", f"environment variable {env} is not set")
        return value
    if file:
        path = Path(file).expanduser()
        if _inside_project(path):
            raise ConfigError(
                "notify.yaml",
                f"{where}.{what}_file",
                f"{path} is inside the project folder; keep secrets outside it (e.g. ~/.config/sales-analytics/)",
            )
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                "notify.yaml", f"{where}.{what}_file", f"cannot read {path}: {exc.strerror}"
            ) from None
        if not value:
            raise ConfigError("notify.yaml", f"{where}.{what}_file", f"{path} is empty")
        return value
    return ""
