# cause: highatomic-stranded
# kind: alloc-failure
# memory: 512M
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
# just-before: /proc files: right before the oomlab command that builds the state and
# just-before: makes the request; oomlab tag=pre: in the kernel right before the request.
sysctl -qw vm.compact_unevictable_allowed=0
taskset -p -c 0 $$ >/dev/null  # the pcp lists the pinning empties are CPU 0's
lab_snap pre
lab_cmd "pin 4 1; pin 3 1; freeblocks 1 1; alloc 4 atomic+nowarn 1 2; free 2; frag 3 1; snap; alloc 3 kernel+noretry 1 3; free 3; free 1"
