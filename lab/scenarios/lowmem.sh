# cause: lowmem-protected
# kind: oom
# expect: Node 0 Normal free:
# expect: constraint=CONSTRAINT_NONE
# memory: 768M
# qemu: -M pc,max-ram-below-4g=512M
# describe: 768 MiB with only 512 MiB below 4 GiB gives a DMA32 zone of ~500 MiB and a
# describe: Normal zone of 256 MiB. vm.lowmem_reserve_ratio is set to "256 1 32 0 0",
# describe: so DMA32 keeps back all of Normal's managed pages (~256 MiB) from requests
# describe: whose highest zone is Normal or Movable. The memory hog fills Normal and
# describe: DMA32 down to that reserve; its GFP_HIGHUSER_MOVABLE fault then OOMs with
# describe: ~250 MiB free in DMA32 that lowmem_reserve keeps from it.
# just-before: the hog's own snapshot before each 1 MiB step while MemAvailable is below
# just-before: 300 MiB (MemAvailable does not subtract lowmem_reserve); the last one is kept.
sysctl -qw vm.lowmem_reserve_ratio="256 1 32 0 0"
labw hog --snap-below 307200 --snap-floor 0
