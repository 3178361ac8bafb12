"""forums."""
