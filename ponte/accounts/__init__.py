"""Organizations (tenants), their members, API keys and WhatsApp instances."""
