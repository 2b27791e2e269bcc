# cause: exhausted
# kind: alloc-failure
# expect: page allocation failure: order:0, mode:0x\w+\(GFP_ATOMIC\)
# expect: DMA32: .*\(H\)
# expect: reserved_highatomic:[1-9]
# reject: DMA32: .*\((?!H\))\w+\)
# memory: 512M
# describe: An order-0 GFP_ATOMIC failure with every free block in (H). The oomlab
# describe: module pins all free memory, then frees one pageblock at a time and fills it
# describe: with order-4 GFP_ATOMIC allocations below the low watermark, so each block
# describe: is made MIGRATE_HIGHATOMIC until the reserve reaches its cap; it frees those
# describe: order-4 chunks (the reserve is then wholly free) and takes order-0 GFP_ATOMIC
# describe: pages until one fails. On these kernels an order-0 ALLOC_NON_BLOCK request
# describe: may take highatomic pages (281dd25c1a01, in 6.1.116+ and 6.12), so it eats into
# describe: the reserve too and fails only at its own watermark: the pages left free are
# describe: all in (H), and the highatomic deduction does not apply to an atomic request,
# describe: so releasing them changes nothing. Cause: exhausted.
# just-before: /proc files: right before the oomlab command that builds the reserve;
# just-before: oomlab tag=pre: in the kernel between the atomic fill and the request.
taskset -p -c 0 $$ >/dev/null
lab_snap pre
lab_cmd "pin 4 1; pin 3 1; hreserve 6 1 2; free 2; alloc 0 atomic+nowarn all 3; snap; alloc 0 atomic 1 4; free 4; free 3; free 1"
