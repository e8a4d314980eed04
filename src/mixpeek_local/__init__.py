"""Tools that run the bundle without an account, never shipped: emulator, local engine, CLI, demo, bench, soak."""
