// Realtime client (being built).
