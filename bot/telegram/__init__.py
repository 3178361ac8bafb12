"""The Telegram channel: python-telegram-bot as a transport for the conversation core."""
