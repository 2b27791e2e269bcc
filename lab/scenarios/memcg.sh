# cause: memcg-limit
# kind: memcg-oom
# expect: constraint=CONSTRAINT_MEMCG
# memory: 256M
# describe: The memory hog runs in a cgroup v2 group with memory.max=32M and
# describe: memory.swap.max=0 in a guest with ~200 MiB free. The charge fails at the
# describe: group's limit and the memcg OOM killer runs; the zones are nowhere near
# describe: their watermarks.
# just-before: /proc files: read by the guest right before the hog starts (a memcg OOM
# just-before: prints no Mem-Info, so the zone state does not enter the verdict).
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/lab
echo 32M > /sys/fs/cgroup/lab/memory.max
echo 0 > /sys/fs/cgroup/lab/memory.swap.max
lab_snap pre
sh -c 'echo $$ > /sys/fs/cgroup/lab/cgroup.procs; exec labw hog --quiet'
