"""The benchmark: the issue's performance targets measured in one run against the emulator and local engine."""
