# cause: fragmented
# kind: alloc-failure
# memory: 512M
# describe: The oomlab module takes every free block of order >= 3 in every zone
# describe: (GFP_KERNEL|__GFP_MEMALLOC order-3 allocations until none is left),
# describe: then keeps one page of each 8-page chunk and frees the other seven:
# describe: about 7/8 of the guest's free memory comes back, all of it in chunks of
# describe: order <= 2 around pinned unmovable pages, which compaction cannot move
# describe: (rootfs is ramfs and vm.compact_unevictable_allowed=0). A
# describe: GFP_KERNEL|__GFP_NORETRY order-3 request then fails with plenty of free
# describe: pages: the page count passes every watermark, no free block of order 3 exists.
# just-before: /proc files: read by the guest right before the oomlab command that
# just-before: pins and then makes the request (after the pinning, reading /proc would
# just-before: itself allocate); oomlab tag=pre: in the kernel between the pinning and
# just-before: the failing request.
sysctl -qw vm.compact_unevictable_allowed=0
taskset -p -c 0 $$ >/dev/null  # the pcp lists the pinning empties are CPU 0's
lab_snap pre
lab_cmd "frag 3 1; snap; alloc 3 kernel+noretry 1 2; free 2; free 1"
