# cause: cma-only
# kind: alloc-failure
# expect: page allocation failure: order:0, mode:0x\w+\(GFP_KERNEL\|__GFP_RETRY_MAYFAIL\)
# expect: free_cma:[1-9]
# reject: DMA32: .*\*(64|128|256|512|1024|2048|4096)kB \([UME]
# memory: 512M
# append: cma=96M
# kernels: 7.3
# describe: The kernel reserves a 96 MiB CMA area (cma=96M; Debian's 7.3 amd64 kernel
# describe: has CONFIG_CMA). The oomlab module takes every page an unmovable request
# describe: may use (GFP_KERNEL|__GFP_NORETRY order-0 until it fails, twice, 50 ms apart,
# describe: to take what per-CPU lists give back), then makes one
# describe: GFP_KERNEL|__GFP_RETRY_MAYFAIL order-0 request: it fails after reclaim
# describe: with ~96 MiB free, all of it MIGRATE_CMA, which only movable requests may
# describe: take (the watermark check subtracts free CMA pages without ALLOC_CMA).
# just-before: /proc files: right before the oomlab command that fills and makes the
# just-before: request; oomlab tag=pre: in the kernel between the fill and the request.
lab_snap pre
lab_cmd "alloc 0 kernel+noretry+nowarn all 1; sleep 50; alloc 0 kernel+noretry+nowarn all 1; snap; alloc 0 kernel+mayfail 1 2; free 2; free 1"
