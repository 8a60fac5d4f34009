"""onewindow sensor gateway: meter and alarm readings from MQTT onto Kafka."""
