"""Options: what the user told us that the report does not say."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """What the user told us that the report does not say."""

    kernel: str | None = None  # --kernel RELEASE: rules of this release instead of the report's
    assume: tuple[str, ...] = ()  # --assume FEATURE / no-FEATURE: backport switches
    page_kb: int | None = None  # --page-size override, in kB
    pageblock_order: int | None = None  # --pageblock-order override
    max_expanded: int | None = None  # --max-expanded: bytes a compressed input may expand to
    year: int | None = None  # --year: the year of syslog dates that print none
    utc_offset: str | None = None  # --utc-offset: zone of times printed without one (dmesg -T)
    boot_time: str | None = None  # --boot-time ISO: uptime stamps become wall-clock times
