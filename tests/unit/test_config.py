import pytest

from onewindow_platform.config import ConfigurationError, PlatformSettings, load_settings
from onewindow_platform.kafka import require_crc32c


def test_defaults_are_safe_for_local_development(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OW_KAFKA_BOOTSTRAP_SERVERS", "OTEL_SERVICE_NAME", "OW_SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(PlatformSettings)
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.topic_retention_days == 180
    assert settings.consumer_group == settings.service_name


def test_environment_overrides_and_service_name_from_otel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OW_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "ow-routing")
    settings = load_settings(PlatformSettings)
    assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.consumer_group == "ow-routing"


def test_a_topic_prefix_also_names_the_consumer_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OW_SERVICE_NAME", "ow-routing")
    monkeypatch.setenv("OW_TOPIC_PREFIX", "tenant-a.")
    assert load_settings(PlatformSettings).consumer_group == "tenant-a.ow-routing"


def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OW_TOPIC_PARTITIONS", "many")
    with pytest.raises(ConfigurationError, match="OW_TOPIC_PARTITIONS"):
        load_settings(PlatformSettings)


def test_missing_crc32c_extension_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from kafka.record import util

    require_crc32c()  # installed by `make install`
    monkeypatch.setattr(util, "crc32c_c", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'kafka-python\[crc32c\]'"):
        require_crc32c()
