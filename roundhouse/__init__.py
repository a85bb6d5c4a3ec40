"""Roundhouse: the control room for a team's AI providers and local models."""

__version__ = "0.1.0"
