# cause: exhausted
# cause@6.1: highatomic-stranded
# kind: oom
# expect: invoked oom-killer
# expect: reserved_highatomic:[1-9]
# reject: DMA32: .*\(\w*H\w*\)
# memory: 2G
# timeout: 400
# append: transparent_hugepage=never
# describe: An OOM with reserved_highatomic and no free (H) page, in a 2 GiB guest
# describe: without THP (khugepaged would raise min_free_kbytes to ~44 MiB) whose DMA32
# describe: reserve cap (1% of the zone plus one pageblock on 6.1, 1%
# describe: aligned up on 6.12/7.3) is several times the min watermark. The oomlab module
# describe: builds the reserve up to its cap with order-4 GFP_ATOMIC fills below the low
# describe: watermark and keeps every one of those chunks allocated, so no reserved
# describe: block holds a free page; then the memory hog runs into the OOM killer. The
# describe: unreserve before OOM finds no free highatomic page and leaves the counter
# describe: as it is. On 6.1 __zone_watermark_ok subtracts the whole
# describe: nr_reserved_highatomic from the free pages although none of them is free:
# describe: the OOM comes with free MOVABLE pages above min by about the reserve's size,
# describe: and releasing the reserve would have let the request succeed
# describe: (highatomic-stranded; the over-deduction c928807f6f6b removed in 6.12). On 6.12
# describe: and 7.3 only nr_free_highatomic (0 here) is subtracted: the hog takes
# describe: memory down to min (exhausted).
# just-before: the hog's own snapshot before each 1 MiB step while MemAvailable is
# just-before: between 2 and 40 MiB; the last one is kept.
sysctl -qw vm.watermark_boost_factor=0  # keep min at its base value: boosting would hide the reserve under it
lab_cmd "pin 4 1; pin 3 1; hreserve 24 1 2; free 1"
labw hog --snap-below 40960
