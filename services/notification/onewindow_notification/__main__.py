"""Entry point: `python -m onewindow_notification` — consumer, sender, inbox API."""

from __future__ import annotations

from collections.abc import Callable

from onewindow.notification.v1 import notification_pb2_grpc
from onewindow_catalog import load_catalog
from onewindow_platform.bootstrap import Built, Service, run
from onewindow_platform.personal_data import PersonalDataCipher
from onewindow_platform.rpc import grpc_server

from .channels import Channel
from .channels.email import EmailChannel
from .channels.sms import SmsChannel
from .domain.messages import Templates
from .grpc_api import NotificationApi
from .handlers import HANDLERS
from .satisfaction import SatisfactionService
from .sender import Sender
from .settings import NotificationSettings, settings_from_env
from .storage import SCHEMA
from .telling import Teller


def channels(settings: NotificationSettings) -> dict[str, Channel]:
    return {
        "email": EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_timeout_s,
                              settings.smtp_starttls, settings.smtp_username, settings.smtp_password),
        "sms": SmsChannel(settings.sms_gateway_url, settings.sms_api_key, settings.sms_timeout_s),
    }


def start_sender(built: Built) -> Callable[[], None]:
    built.sender.start()
    return built.sender.stop


def serve_api(built: Built) -> Callable[[], None]:
    api = NotificationApi(built.db, built.sender, SatisfactionService(built.settings, built.db, built.relay.wake))
    return grpc_server(built.settings.notification_grpc_address,
                       lambda server: notification_pb2_grpc.add_NotificationServiceServicer_to_server(api, server))


SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    reference={"catalog": lambda settings: load_catalog(),
               "templates": lambda settings: Templates(settings.templates_dir),
               "cipher": lambda settings: PersonalDataCipher.from_environment(settings.data_dir),
               "channels": channels},
    components={"sender": lambda b: Sender(b.settings, b.db, b.relay, b.cipher, b.channels),
                "teller": lambda b: Teller(b.settings, b.templates, b.cipher, b.channels, b.sender)},
    handlers=HANDLERS,
    servers=[start_sender, serve_api],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
