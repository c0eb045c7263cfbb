"""Where notifications go besides the app's own list: the seam for e-mail, SMS or a messaging
gateway. The in-app list always gets every notification; STUDYHALL_NOTIFY_CHANNELS names the
channels that get them too (none by default). A channel is a factory in CHANNELS taking the app's
configuration (its server, its credentials) and returning an object with deliver().

Channels are handed a notification only once the transaction that wrote it has committed, in the
process that committed it (a request, or the scheduler): a notification rolled back is never sent,
and a channel that fails (its server down) is logged and loses nothing in the app. A channel that
is slow should queue rather than send while the request waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """A notification as written, for a channel to send on (its link is a path in the app)."""

    id: int
    recipient_id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime


class Channel(Protocol):
    def deliver(self, deliveries: Sequence[Delivery]) -> None: ...


class LogChannel:
    """Writes each notification to the log (logger studyhall.notifications.channels, level INFO):
    to watch the seam work, or for a log shipper to pick up."""

    def __init__(self, _config: Mapping[str, Any]) -> None:
        pass

    def deliver(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            log.info("notification %d to user %d: %s", delivery.id, delivery.recipient_id, delivery.title)


CHANNELS: dict[str, Callable[[Mapping[str, Any]], Channel]] = {"log": LogChannel}


def init_app(app: Flask) -> None:
    """Build the configured channels once; an unknown name stops the app from starting."""
    names = app.config["NOTIFY_CHANNELS"]
    if unknown := [name for name in names if name not in CHANNELS]:
        raise ValueError(
            f"STUDYHALL_NOTIFY_CHANNELS names unknown channels {', '.join(unknown)}; "
            f"known: {', '.join(sorted(CHANNELS))}"
        )
    app.extensions["studyhall.notify_channels"] = [(name, CHANNELS[name](app.config)) for name in names]


def configured() -> list[tuple[str, Channel]]:
    channels: list[tuple[str, Channel]] = current_app.extensions["studyhall.notify_channels"]
    return channels


def deliver(channels: Sequence[tuple[str, Channel]], deliveries: Sequence[Delivery]) -> None:
    """Hand the notifications to each channel; one failing keeps neither the others nor the
    caller from going on."""
    for name, channel in channels:
        try:
            channel.deliver(deliveries)
        except Exception:  # whatever a channel's server or library raises
            log.exception("notification channel %s failed to deliver %d notifications", name, len(deliveries))
