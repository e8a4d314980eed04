"""The soak: seeded consecutive syncs against a changing collection with faults, each checked against the emulator."""
