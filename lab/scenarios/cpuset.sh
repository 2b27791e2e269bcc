# cause: constrained
# kind: oom
# expect: constraint=CONSTRAINT_CPUSET
# memory: 512M
# qemu: -object memory-backend-ram,id=m0,size=256M -object memory-backend-ram,id=m1,size=256M -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1
# describe: A two-node guest (256 MiB per node). The memory hog runs in a cgroup v2
# describe: cpuset with cpuset.mems=1 and fills node 1; the OOM is a cpuset OOM
# describe: (CONSTRAINT_CPUSET) while node 0 keeps ~200 MiB free. Only node 1's zones
# describe: are printed; node 0's free memory shows in Mem-Info's global free: only.
# just-before: the hog's own snapshot before each 1 MiB step while MemAvailable (global,
# just-before: both nodes) is below 300 MiB; the last one is kept.
echo +cpuset > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/lab
echo 1 > /sys/fs/cgroup/lab/cpuset.mems
echo 0-1 > /sys/fs/cgroup/lab/cpuset.cpus
sh -c 'echo $$ > /sys/fs/cgroup/lab/cgroup.procs; exec labw hog --snap-below 307200 --snap-floor 0'
