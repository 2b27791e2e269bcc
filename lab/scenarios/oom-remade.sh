# cause: exhausted
# kind: oom
# expect: invoked oom-killer
# expect: reserved_highatomic:[1-9]
# expect: DMA32: .*\(\w*H\w*\)
# memory: 512M
# describe: A highatomic reserve re-made after the kernel's own unreserve before the
# describe: OOM. The oomlab module builds a reserve (order-4 GFP_ATOMIC fills below the low
# describe: watermark, as in atomic-h0), frees it and starts a kernel thread that makes
# describe: order-4 GFP_ATOMIC|__GFP_NOWARN allocations every 200 us, holding the last 16.
# describe: The memory hog then runs into the OOM killer. These kernels unreserve every
# describe: highatomic block with free pages before they declare an OOM
# describe: (should_reclaim_retry, 6.8 and Debian's 6.1 by backport); the reserve and the
# describe: (H) chunks the report shows were made again by the thread between that
# describe: unreserve and the print (the thread holds still while the report itself
# describe: prints, so the module's at-print snapshot is the printed state). Cause: the
# describe: hog exhausted memory.
# just-before: the hog's own snapshot before each 1 MiB step while MemAvailable is
# just-before: between 2 and 24 MiB; the last one is kept.
lab_cmd "pin 4 1; pin 3 1; hreserve 6 1 2; free 2; free 1; churn 4 200 16"
labw hog
