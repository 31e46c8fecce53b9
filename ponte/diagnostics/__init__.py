"""The diagnostic log of every engine call and webhook, health and metrics."""
