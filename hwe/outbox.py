"""How an invitation reaches the person invited: a pluggable sender of email messages.

`sender_for(settings)` picks the sender. In development (`hwe up`) it is the outbox: each message is written as an
`.eml` file under `<state_dir>/outbox/` (or `[people] outbox_dir`) and its link is logged, so whoever runs the
stack can follow it without a mail server. In production no sender is built in yet: the admin who invites gets the link
in the API's answer (`invitation_url`) and passes it on; `[people] outbox_dir` makes production write the outbox
too, for a mail relay that picks the files up.
"""

from __future__ import annotations

import email.message
import email.policy
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hwe import config

logger = logging.getLogger(__name__)

SENDER_ADDRESS = "highway@localhost"


@dataclass(frozen=True)
class Invitation:
    """What the invitation email says: to whom, for which tenant and role, the link, and the admin's message."""

    to: str
    tenant_id: str
    role: str
    link: str
    expires_at: str
    message: str = ""


class Sender(Protocol):
    """Delivers one invitation; raises OSError when it could not."""

    def send(self, invitation: Invitation) -> None:
        """Delivers the invitation, or raises OSError."""


@dataclass(frozen=True)
class OutboxSender:
    """Writes each message to a directory as an RFC 5322 `.eml` file, atomically (a reader never sees half)."""

    directory: Path
    # The link carries the invitation's one-time token: only a development stack logs it.
    log_links: bool = False

    def send(self, invitation: Invitation) -> None:
        """Writes the invitation's message to the outbox directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"invitation-{uuid.uuid4()}.eml"
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(compose(invitation).as_bytes(policy=email.policy.SMTP))
        os.replace(partial, self.directory / name)
        if self.log_links:
            logger.info("invitation for tenant %s written to %s; link: %s", invitation.tenant_id, name, invitation.link)
        else:
            logger.info("invitation for tenant %s written to %s", invitation.tenant_id, name)


def sender_for(settings: config.Settings) -> Sender | None:
    """The configured sender: the outbox in development or when `[people] outbox_dir` is set, else None."""
    development = not settings.is_production
    if settings.people_outbox_dir is not None:
        return OutboxSender(settings.people_outbox_dir, log_links=development)
    if development:
        return OutboxSender(settings.state_dir / "outbox", log_links=True)
    return None


def compose(invitation: Invitation) -> email.message.EmailMessage:
    """The invitation as an email message."""
    message = email.message.EmailMessage()
    message["From"] = SENDER_ADDRESS
    message["To"] = invitation.to
    message["Subject"] = f"You are invited to Highway tenant {invitation.tenant_id}"
    lines = [
        f"You are invited to the Highway tenant {invitation.tenant_id} as {invitation.role}.",
        *(["", invitation.message] if invitation.message else []),
        "",
        "Choose your password and join here:",
        invitation.link,
        "",
        f"The link works once, until {invitation.expires_at}.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message
