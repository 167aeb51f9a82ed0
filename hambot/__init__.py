"""hambot: a snapshot server for a Raspberry Pi pet cam."""

__version__ = "0.1.0"
