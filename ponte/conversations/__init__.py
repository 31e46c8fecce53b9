"""Contacts, conversations and messages."""
