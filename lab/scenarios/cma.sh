# cause: cma-only
# kind: alloc-failure
# expect: page allocation failure: order:0, mode:0x\w+\(GFP_KERNEL\|__GFP_RETRY_MAYFAIL\)
# expect: free_cma:[1-9]
# zone-check: DMA32 free - free_cma < min
# zone-check@6.12-arm64: DMA free - free_cma < min
# memory: 512M
# append: cma=96M
# kernels: 7.3 6.12-arm64
# describe: The kernel reserves a 96 MiB CMA area (cma=96M; Debian's 7.3 amd64 kernel
# describe: and its arm64 kernels have CONFIG_CMA; on arm64 virt all RAM is ZONE_DMA). The oomlab module takes every page an unmovable request
# describe: may use (GFP_KERNEL|__GFP_NORETRY order-0 until it fails, then 50 ms later
# describe: GFP_KERNEL|__GFP_RETRY_MAYFAIL|__GFP_NOWARN until that fails too,
# describe: to take what per-CPU lists give back), then makes one
# describe: GFP_KERNEL|__GFP_RETRY_MAYFAIL order-0 request: it fails after reclaim
# describe: with ~96 MiB free, all of it MIGRATE_CMA, which only movable requests may
# describe: take (the watermark check subtracts free CMA pages without ALLOC_CMA).
# just-before: /proc files: right before the oomlab command that fills and makes the
# just-before: request; oomlab tag=pre: in the kernel between the fill and the request.
lab_snap pre
lab_cmd "alloc 0 kernel+noretry+nowarn all 1; sleep 50; alloc 0 kernel+mayfail+nowarn all 1; snap; alloc 0 kernel+mayfail 1 2; free 2; free 1"
