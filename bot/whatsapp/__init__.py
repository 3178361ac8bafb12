"""The WhatsApp Cloud API channel (pywa_async as transport, the core does the talking)."""
