# cause: fragmented
# stable: orders>=3
# kind: alloc-failure
# expect: page allocation failure: order:3, mode:0x\w+\(GFP_KERNEL\|__GFP_NORETRY\)
# expect: DMA32: (\d+\*\d+kB (\(\w+\) )?){3}0\*32kB 0\*64kB 0\*128kB 0\*256kB 0\*512kB 0\*1024kB 0\*2048kB 0\*4096kB
# memory: 512M
# describe: The oomlab module takes every free block of order >= 3 in every zone
# describe: (GFP_KERNEL|__GFP_MEMALLOC order-3 allocations until none is left),
# describe: then keeps one page of each 8-page chunk and frees the other seven:
# describe: about 7/8 of the guest's free memory comes back, all of it in chunks of
# describe: order <= 2 around pinned unmovable pages, which compaction cannot move
# describe: (rootfs is ramfs and vm.compact_unevictable_allowed=0). A
# describe: GFP_KERNEL|__GFP_NORETRY order-3 request then fails with plenty of free
# describe: pages: the page count passes every watermark, no free block of order 3 exists.
# just-before: /proc files: read by the guest after the pinning, right before the
# just-before: request (plenty is free then; nothing can form an order-3 block);
# just-before: oomlab tag=pre: in the kernel immediately before the request.
sysctl -qw vm.compact_unevictable_allowed=0
taskset -p -c 0 $$ >/dev/null  # the pcp lists the pinning empties are CPU 0's
lab_cmd "frag 3 1"
lab_snap pre
lab_cmd "snap; alloc 3 kernel+noretry 1 2; free 2; free 1"
