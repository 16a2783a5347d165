"""ocopsite: a static site generator for Vietnam's OCOP product catalogues."""

__version__ = "0.1.0"
