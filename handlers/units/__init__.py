"""The directory of units (OPD), kept by admins in chat."""
