"""E-mail for managers: the digest as the body, report.xlsx, the PDF summary and cards attached.

The SMTP server comes from a URL held outside the repository
(``smtp://user:password@host:587?starttls=1`` or ``smtps://…:465``). An SMTP
refusal becomes a one-line :class:`~sales_analytics.notify.transport.PlatformError`
("SMTP 535: authentication failed"); the password never appears in it.
"""

from __future__ import annotations

import smtplib
import ssl
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sales_analytics.notify.transport import Answer, PlatformError

__all__ = ["SmtpServer", "build_email", "parse_smtp_url", "send_email"]

NAME = "SMTP"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str
    password: str
    ssl: bool
    starttls: bool


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp[s]://[user[:password]@]host[:port][?starttls=1]`` → :class:`SmtpServer`.

    >>> s = parse_smtp_url("smtp://bot%40example.com:p%40ss@mail.example.com:587?starttls=1")
    >>> (s.host, s.port, s.user, s.password, s.ssl, s.starttls)
    ('mail.example.com', 587, 'bot@example.com', 'p@ss', False, True)
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("the SMTP address must look like smtp://user:password@host:port or smtps://…")
    query = urllib.parse.parse_qs(parts.query)
    is_ssl = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if is_ssl else 25),
        user=urllib.parse.unquote(parts.username or ""),
        password=urllib.parse.unquote(parts.password or ""),
        ssl=is_ssl,
        starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
    )


def build_email(
    *,
    sender: str,
    to: list[str],
    subject: str,
    body: str,
    attachments: list[tuple[str, bytes, str]],
    date: float | None = None,
) -> EmailMessage:
    """An e-mail with a UTF-8 text body and ``(filename, bytes, mime type)`` attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(date, localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body, charset="utf-8")
    for filename, data, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def send_email(server: SmtpServer, msg: EmailMessage, *, timeout_s: float = 15.0) -> Answer:
    """Deliver ``msg``; PlatformError (one line, no password) when the server refuses."""
    try:
        if server.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout_s, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout_s)
        with smtp:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password)
            refused = smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise PlatformError(
            NAME, exc.smtp_code, text.splitlines()[0] if text else type(exc).__name__
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        code, _reply = next(iter(exc.recipients.values()))
        raise PlatformError(NAME, code, f"recipients refused: {', '.join(exc.recipients)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise PlatformError(NAME, "network", f"{server.host}:{server.port}: {exc}") from None
    if refused:
        raise PlatformError(NAME, 550, f"recipients refused: {', '.join(sorted(refused))}")
    return Answer(250, 0, "accepted")
