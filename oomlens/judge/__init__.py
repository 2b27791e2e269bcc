"""Judge: the replays of a report → Verdict (code, unreserve answer, confidence, fixes)."""
