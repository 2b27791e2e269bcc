# kind: probe
# cause: none
# memory: 512M
# describe: Does a non-blocking order-4 request without __GFP_HIGH make a highatomic
# describe: reserve when it succeeds below the low watermark? (before "mm/page_alloc: only
# describe: set ALLOC_HIGHATOMIC for __GFP_HIGH allocations", 6.12.54 / 6.1.157, it did
# describe: from 6.3). The oomlab module pins all memory, frees three pageblocks, takes
# describe: order-0 atomic pages until the zone is just under its low watermark, then
# describe: makes two GFP_NOWAIT order-4 allocations and, as the control, two GFP_ATOMIC
# describe: ones; each result shows the zone's nr_reserved_highatomic after it
# describe: (reserved=). A probe writes no fixture: read the console lines.
sysctl -qw vm.watermark_boost_factor=0
taskset -p -c 0 $$ >/dev/null
lab_cmd "pin 4 1; pin 3 1; freeblocks 1 3; fillto belowlow 4; alloc 4 nowait+nowarn 1 2; alloc 4 nowait+nowarn 1 2; free 2; alloc 4 atomic+nowarn 1 3; alloc 4 atomic+nowarn 1 3; free 3; free 4; free 1"
