"""The shop's ERP data beside the chat: customers, their phones and their sales."""
