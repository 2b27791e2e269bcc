"""Read: input bytes (files, stdin, compressed, journal, mail bodies) → LogLine → RawReport."""
