"""The app on a laptop: the emulator and the local engine with the demo's data, never deployed (docs/app.md)."""
