# cause: exhausted
# kind: oom
# expect: invoked oom-killer: gfp_mask=0x\w+\(GFP_HIGHUSER_MOVABLE
# expect: constraint=CONSTRAINT_NONE
# memory: 256M
# kernels: 6.1 6.12 7.3 6.12-arm64
# describe: A memory hog in a guest without swap touches anonymous memory 1 MiB at
# describe: a time until the OOM killer runs. Nothing else holds memory and no
# describe: highatomic reserve is built, so the order-0 GFP_HIGHUSER_MOVABLE fault
# describe: fails only because the zones it may use are down to their watermarks.
# just-before: the hog's own snapshot, taken before each 1 MiB step while
# just-before: MemAvailable is between 2 and 24 MiB; the last one is kept. Below
# just-before: 2 MiB the hog reads nothing more, so the failing allocation is its
# just-before: own page fault, a few MiB after the snapshot.
labw hog
