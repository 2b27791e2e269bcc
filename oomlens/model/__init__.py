"""The page-allocator model: state from a report, the era's rules, and the replay."""

from oomlens.model.replay import Replay, ZoneCheck, replay
from oomlens.model.state import AllocatorState, ZoneState, build_state

__all__ = ["AllocatorState", "Replay", "ZoneCheck", "ZoneState", "build_state", "replay"]
