"""Entry point: `python -m onewindow_notification` — consumer, sender, inbox API."""

from __future__ import annotations

import sys
from collections.abc import Callable

from onewindow.notification.v1 import notification_pb2_grpc
from onewindow_catalog import CatalogError, load_catalog
from onewindow_platform.config import ConfigurationError
from onewindow_platform.personal_data import PersonalDataCipher
from onewindow_platform.rpc import grpc_server
from onewindow_platform.runtime import ServiceRuntime, run_service

from .channels import Channel
from .channels.email import EmailChannel
from .channels.sms import SmsChannel
from .domain.messages import TemplateError, Templates
from .grpc_api import NotificationApi
from .handlers import make_handlers
from .satisfaction import SatisfactionService
from .sender import Sender
from .settings import NotificationSettings, settings_from_env
from .storage import SCHEMA


class Notifier:
    """Holds the sender so handlers (built before start-up) can wake it."""

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self.cipher = PersonalDataCipher.from_environment(settings.data_dir)
        self.channels: dict[str, Channel] = {
            "email": EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_timeout_s,
                                  settings.smtp_starttls, settings.smtp_username, settings.smtp_password),
            "sms": SmsChannel(settings.sms_gateway_url, settings.sms_api_key, settings.sms_timeout_s),
        }
        self.sender: Sender | None = None

    def wake(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    def start_sender(self, runtime: ServiceRuntime) -> Callable[[], None]:
        assert runtime.db is not None and runtime.relay is not None
        self.sender = Sender(self.settings, runtime.db, runtime.relay, self.cipher, self.channels)
        self.sender.start()
        return self.sender.stop

    def serve_api(self, runtime: ServiceRuntime) -> Callable[[], None]:
        assert runtime.db is not None
        assert runtime.relay is not None
        api = NotificationApi(runtime.db, lambda: self.sender,
                              SatisfactionService(self.settings, runtime.db, runtime.relay.wake))
        return grpc_server(self.settings.notification_grpc_address,
                           lambda server: notification_pb2_grpc.add_NotificationServiceServicer_to_server(api, server))


def main() -> int:
    try:
        settings = settings_from_env()
        notifier = Notifier(settings)
        handlers = make_handlers(settings, Templates(settings.templates_dir), load_catalog(), notifier.cipher,
                                 notifier.channels, notifier.wake)
    except (ConfigurationError, CatalogError, TemplateError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    return run_service(lambda: settings, handlers=handlers, schema=SCHEMA,
                       servers=[notifier.start_sender, notifier.serve_api])


if __name__ == "__main__":
    raise SystemExit(main())
