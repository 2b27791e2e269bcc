# cause: highatomic-stranded
# stable: orders>=3 highatomic-blocks
# kind: alloc-failure
# expect: page allocation failure: order:3, mode:0x\w+\(GFP_KERNEL\|__GFP_NORETRY\)
# expect: reserved_highatomic:2048[kK]B
# expect: DMA32: (\d+\*\d+kB (\(\w+\) )?){3}0\*32kB 0\*64kB 0\*128kB 0\*256kB 0\*512kB 0\*1024kB 1\*2048kB \(H\) 0\*4096kB
# expect@6.12-arm64: page allocation failure: order:3, mode:0x\w+\(GFP_KERNEL\|__GFP_NORETRY\)
# expect@6.12-arm64: reserved_highatomic:2048[kK]B
# expect@6.12-arm64: Node 0 DMA: (\d+\*\d+kB (\(\w+\) )?){3}0\*32kB 0\*64kB 0\*128kB 0\*256kB 0\*512kB 0\*1024kB 1\*2048kB \(H\) 0\*4096kB
# memory: 512M
# kernels: 6.1 6.12 7.3 6.12-arm64
# append@6.12-arm64: cma=0
# describe: One highatomic pageblock is the only free memory of order >= 3. The
# describe: oomlab module pins every free order-3 block (as in 'fragmented'), frees
# describe: one whole pageblock so the zone sits below its low watermark, makes one
# describe: order-4 GFP_ATOMIC allocation there (it succeeds in the slow path and
# describe: reserve_highatomic_pageblock makes that block MIGRATE_HIGHATOMIC), frees
# describe: it back into the now-highatomic block, and then frees 7 of every 8 pinned
# describe: pages. A GFP_KERNEL|__GFP_NORETRY order-3 request fails: plenty of free
# describe: pages, no order >= 3 block outside the reserve; direct reclaim's unreserve
# describe: runs with force=false and skips a zone holding a single reserved block, and
# describe: NORETRY gives up before should_reclaim_retry's forcing call. Releasing that
# describe: one block would have served the request.
# just-before: /proc files: read by the guest once the state is built, right before
# just-before: the request; oomlab tag=pre: in the kernel immediately before the request.
sysctl -qw vm.compact_unevictable_allowed=0
taskset -p -c 0 $$ >/dev/null  # the pcp lists the pinning empties are CPU 0's
lab_cmd "pin 4 1; pin 3 1; hfirst 1 2; free 2; frag 3 1"
lab_snap pre
lab_cmd "snap; alloc 3 kernel+noretry 1 3; free 3; free 1"
