"""Connectors: how a task reaches one agency's system (signed REST webhook, gRPC)."""

from .base import Connector, DeliveryError, DeliveryRequest
from .config import ConnectorConfig, ConnectorRule, load_connector_config

__all__ = ["Connector", "ConnectorConfig", "ConnectorRule", "DeliveryError", "DeliveryRequest",
           "load_connector_config"]
