"""What the language layer tells the layers above without importing them."""

from django.dispatch import Signal

# A voice note's or audio's words were stored (sent inside the writing transaction).
# Arguments: org_id, message (the conversations.Message, its `transcript` set). The leads
# app listens: the words count in the lead's score like typed text.
transcript_written = Signal()
