"""The webhook endpoint, the durable inbox and the ingest pipeline."""
