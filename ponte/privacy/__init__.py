"""What the CRM may never see: groups, broadcasts, status, newsletters, locked chats."""
