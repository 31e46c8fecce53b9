"""Engine session supervision: status, QR code, auto-reconnect, reset."""
