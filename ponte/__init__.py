"""Ponte: the bridge between a company's WhatsApp number and the AlraERP+ CRM."""

__version__ = "0.1.0"
