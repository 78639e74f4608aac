"""``notify_period``: build a bundle's messages once, post them per channel, keep a send log.

Messages come from the published bundle only. For every channel the messages
are built (digest parts, one card per milestone, or one e-mail), hashed, and
compared with the send log ``outputs/<period>/notify.json``: a message whose
channel and content hash already have a successful entry is not sent again
unless ``force``. Each attempt is appended to the log (channel, message kind and
key, content sha256, time, the platform's answer) as soon as it is known.
The log is the one file added to a bundle after it is published; tables,
manifest and report are never touched. One failing channel does not stop the
others. ``dry_run`` writes the messages and cards to a review folder instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sales_analytics import paths
from sales_analytics.errors import ConfigError, SalesAnalyticsError
from sales_analytics.notify.config import Channel, NotifyConfig, load_notify_config, read_secret
from sales_analytics.notify.transport import PlatformError, RateLimiter

__all__ = ["SEND_LOG", "Message", "NotifyResult", "build_messages", "notify_period", "read_send_log"]

log = logging.getLogger(__name__)

SEND_LOG = "notify.json"
SEND_LOG_SCHEMA = 1


@dataclass
class Message:
    """One message for one channel: a digest part, a card, or an e-mail."""

    kind: str  # digest | card | email
    key: str  # digest-1, card-award-top_seller-R006, email
    title: str
    text: str
    image: bytes | None = None
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        h = hashlib.sha256()
        for part in (self.kind, self.key, self.title, self.text):
            h.update(part.encode("utf-8") + b"\0")
        if self.image is not None:
            h.update(self.image)
        for name, data, mime in self.attachments:
            h.update(f"{name}\0{mime}\0".encode() + hashlib.sha256(data).digest())
        return h.hexdigest()


@dataclass
class NotifyResult:
    """What one ``notify`` did, per channel: sent, skipped (already sent), failed (with the error line)."""

    period: str
    dry_run: bool
    sent: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    review_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> list[str]:
        if self.dry_run:
            return [f"{self.period}: dry run, {len(self.sent)} messages written to {self.review_dir}"]
        lines = [
            f"{self.period}: {len(self.sent)} sent, {len(self.skipped)} already sent (use --force to send again), "
            f"{len(self.failed)} failed"
        ]
        lines += [f"  {channel} {key}: {error}" for channel, key, error in self.failed]
        return lines


def read_send_log(bundle_path: Path) -> dict[str, Any]:
    path = bundle_path / SEND_LOG
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"schema": SEND_LOG_SCHEMA, "sends": []}
    except (OSError, ValueError) as exc:
        raise SalesAnalyticsError(
            f"{path} is unreadable ({exc}); move it aside to start a new send log"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("sends"), list):
        raise SalesAnalyticsError(f"{path} is not a send log; move it aside to start a new one")
    return data


def _write_send_log(bundle_path: Path, data: dict[str, Any]) -> None:
    from sales_analytics.run.bundle import write_json

    try:
        write_json(bundle_path / SEND_LOG, data)
    except OSError as exc:
        raise SalesAnalyticsError(
            f"cannot write the send log {bundle_path / SEND_LOG}: {exc.strerror}"
        ) from None


def _revenue_series(bundle: Any) -> list[tuple[str, float]]:
    monthly = bundle.table("kpi_sales_monthly")
    if monthly is None or monthly.empty or "revenue" not in monthly.columns:
        return []
    m = monthly[monthly["period"].astype(str) <= bundle.period].sort_values("period").tail(13)
    return [(str(p), float(v)) for p, v in zip(m["period"], m["revenue"], strict=True)]


def build_messages(
    bundle: Any, config: NotifyConfig, channel: Channel, *, language: str | None = None
) -> list[Message]:
    """The messages ``channel`` gets for ``bundle`` (deterministic: same bundle, same bytes)."""
    from sales_analytics.notify.cards import card_png, summary_pdf
    from sales_analytics.notify.content import digest_of, milestones_of
    from sales_analytics.notify.markdown import digest_markdown, plain_text

    lang = language or bundle.language
    digest = digest_of(bundle, language=lang, views_url=config.views_url, top_n=config.top_n)
    milestones = (
        milestones_of(bundle, language=lang, big_deal_amount=config.big_deal_amount, limit=channel.max_cards)
        if "cards" in channel.send
        else []
    )
    org = digest.organisation
    if channel.kind == "email":
        attachments: list[tuple[str, bytes, str]] = []
        if "report" in channel.send:
            report = bundle.path / "report.xlsx"
            if not report.is_file():
                raise SalesAnalyticsError(f"the bundle {bundle.path} has no report.xlsx to attach")
            attachments.append(
                (
                    f"report-{bundle.period}.xlsx",
                    report.read_bytes(),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            )
        if "summary" in channel.send:
            attachments.append(
                (
                    f"summary-{bundle.period}.pdf",
                    summary_pdf(digest, _revenue_series(bundle)),
                    "application/pdf",
                )
            )
        for m in milestones:
            attachments.append((f"card-{m.key}.png", card_png(m, lang, org), "image/png"))
        body = plain_text(digest) if "digest" in channel.send else digest.title() + "\n"
        return [Message("email", "email", digest.title(), body, attachments=attachments)]
    out: list[Message] = []
    if "digest" in channel.send:
        parts = digest_markdown(digest, channel.kind)
        out += [Message("digest", f"digest-{i}", digest.title(), text) for i, text in enumerate(parts, 1)]
    from sales_analytics.notify.cards import card_texts

    for m in milestones:
        lines = [t for t in card_texts(m, lang, org) if t]
        text = f"## {lines[0]}\n\n" + "\n\n".join(f"**{t}**" if t == m.name else t for t in lines[1:])
        out.append(Message("card", f"card-{m.key}", lines[0], text, image=card_png(m, lang, org)))
    return out


def _bot(name: str, channel: Channel, config: NotifyConfig, sleep: Callable[[float], None]) -> Any:
    from sales_analytics.notify import dingtalk, feishu, wecom

    webhook = read_secret(name, channel.webhook_env, channel.webhook_file, "webhook")
    secret = read_secret(name, channel.secret_env, channel.secret_file, "secret")
    limiter = RateLimiter(channel.rate_per_minute, channel.rate_window_s, sleep=sleep)
    cls = {"wecom": wecom.WeComBot, "dingtalk": dingtalk.DingTalkBot, "feishu": feishu.FeishuBot}[
        channel.kind
    ]
    return cls(webhook, secret=secret, retry=config.retry, limiter=limiter, sleep=sleep)


def _deliver(
    name: str, channel: Channel, config: NotifyConfig, messages: list[Message], sleep: Callable[[float], None]
):
    """Yield ``(message, answer record, error line or None)`` for each message in order."""
    if channel.kind == "email":
        from sales_analytics.notify.email import build_email, parse_smtp_url, send_email

        url = read_secret(name, channel.smtp_env, channel.smtp_file, "smtp")
        try:
            server = parse_smtp_url(url)
        except ValueError as exc:
            raise ConfigError("notify.yaml", f"channels.{name}.smtp", str(exc)) from None
        for msg in messages:
            mail = build_email(
                sender=channel.sender,
                to=channel.to,
                subject=msg.title,
                body=msg.text,
                attachments=msg.attachments,
            )
            try:
                answer = send_email(server, mail, timeout_s=config.retry.timeout_s)
                yield msg, answer.record(), None
            except PlatformError as exc:
                yield msg, {"code": exc.code, "message": exc.message}, str(exc)
        return
    bot = _bot(name, channel, config, sleep)
    for msg in messages:
        try:
            if msg.image is not None:
                answer = bot.send_image(msg.image, msg.text, msg.title)
            else:
                answer = bot.send_markdown(msg.text, msg.title)
            yield msg, answer.record(), None
        except PlatformError as exc:
            rec = {
                "code": exc.code,
                "message": exc.message,
                "http_status": exc.http_status,
                "attempts": getattr(exc, "attempts", 1),
            }
            yield msg, rec, str(exc)


def _write_review(folder: Path, name: str, messages: list[Message]) -> None:
    target = folder / name
    target.mkdir(parents=True, exist_ok=True)
    for i, msg in enumerate(messages, 1):
        stem = f"{i:02d}_{msg.key}"
        (target / f"{stem}.md").write_text(msg.text + "\n", encoding="utf-8")
        if msg.image is not None:
            (target / f"{stem}.png").write_bytes(msg.image)
        for filename, data, _ in msg.attachments:
            (target / filename).write_bytes(data)


def notify_period(
    period: str,
    *,
    channels: Sequence[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
    config: NotifyConfig | None = None,
    config_file: str | Path | None = None,
    outputs: str | Path | None = None,
    review_dir: str | Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> NotifyResult:
    """Post the published bundle of ``period`` to the configured channels.

    Parameters
    ----------
    channels : channel names to post to (default every enabled channel).
    dry_run : write the messages, cards and attachments to ``review_dir``
        (default ``outputs/.notify-review/<period>/``) instead of sending.
    force : send again what the send log says was already sent.
    config, config_file : the channels (default ``parameters/notify.yaml``).
    sleep, now : injectable for tests (retries and the rate limit wait through ``sleep``).
    """
    from sales_analytics.views.bundles import open_bundle

    cfg = config or load_notify_config(config_file)
    if channels:
        unknown = sorted(set(channels) - set(cfg.channels))
        if unknown:
            raise ConfigError(
                str(config_file or "notify.yaml"),
                "channels",
                f"no channel named {unknown}; the file declares {sorted(cfg.channels)}",
            )
        chosen = list(dict.fromkeys(channels))
    else:
        chosen = [n for n, c in cfg.channels.items() if c.enabled]
    if not chosen:
        raise ConfigError(str(config_file or "notify.yaml"), "channels", "no enabled channel to post to")
    root = Path(outputs) if outputs else paths.outputs_dir()
    bundle = open_bundle(period, root)
    result = NotifyResult(str(period), dry_run)
    if dry_run:
        folder = Path(review_dir) if review_dir else root / ".notify-review" / str(period)
        result.review_dir = folder
        for name in chosen:
            messages = build_messages(bundle, cfg, cfg.channels[name])
            _write_review(folder, name, messages)
            result.sent += [(name, m.key) for m in messages]
        return result

    send_log = read_send_log(bundle.path)
    send_log.setdefault("schema", SEND_LOG_SCHEMA)
    send_log["period"] = str(period)
    done = {(e.get("channel"), e.get("sha256")) for e in send_log["sends"] if e.get("status") == "ok"}
    # Fail before sending anything when the log cannot be written (a message sent but not
    # logged would be sent again next time).
    _write_send_log(bundle.path, send_log)
    for name in chosen:
        channel = cfg.channels[name]
        try:
            messages = build_messages(bundle, cfg, channel)
            todo = [m for m in messages if force or (name, m.sha256) not in done]
            result.skipped += [(name, m.key) for m in messages if m not in todo]
            if not todo:
                continue
            for msg, answer, error in _deliver(name, channel, cfg, todo, sleep):
                send_log["sends"].append(
                    {
                        "channel": name,
                        "kind": msg.kind,
                        "key": msg.key,
                        "sha256": msg.sha256,
                        "time": now().isoformat(timespec="seconds"),
                        "run_id": bundle.manifest.get("run_id", ""),
                        "status": "ok" if error is None else "failed",
                        "answer": answer,
                    }
                )
                _write_send_log(bundle.path, send_log)
                if error is None:
                    result.sent.append((name, msg.key))
                else:
                    log.error("%s %s: %s", name, msg.key, error)
                    result.failed.append((name, msg.key, error))
        except SalesAnalyticsError as exc:
            # A channel that cannot even start (missing secret, unreadable file) fails alone.
            log.error("%s: %s", name, exc)
            result.failed.append((name, "*", str(exc)))
    return result
