# cause: constrained
# kind: oom
# expect: constraint=CONSTRAINT_MEMORY_POLICY
# memory: 512M
# qemu: -object memory-backend-ram,id=m0,size=256M -object memory-backend-ram,id=m1,size=256M -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1
# describe: A two-node guest (256 MiB per node). The memory hog binds itself to node 1
# describe: with set_mempolicy(MPOL_BIND, {1}) and fills it; the OOM is a mempolicy
# describe: OOM (CONSTRAINT_MEMORY_POLICY) while node 0 keeps ~200 MiB free.
# just-before: the hog's own snapshot before each 1 MiB step while MemAvailable (global,
# just-before: both nodes) is below 300 MiB; the last one is kept.
labw hog --bind 1 --snap-below 307200 --snap-floor 0
