"""Konsol in chat: ``/masuk`` gives staff a one-time link to the web console."""
