"""Aspirations: residents send them and follow them; staff review them."""
