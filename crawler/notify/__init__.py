"""Notifications after a run: signed webhooks (`webhooks.py`) and the text they carry (`message.py`)."""
