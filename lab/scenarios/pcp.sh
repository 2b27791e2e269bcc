# cause: exhausted
# notes: how much stays on the lists is the kernel's choice: 6.1 keeps under 1 MiB (pcp->high from the low watermark), 6.12 ~19 MiB on CPU 1, 7.3 drains CPU 1's lists (free_pcp is then the failing CPU's own movable lists)
# kind: alloc-failure
# moving: the kernel may drain per-CPU lists into the buddy lists while the report prints (the printed state can then pass where the decision failed)
# expect: page allocation failure: order:0, mode:0x\w+\(GFP_ATOMIC\)
# memory: 512M
# describe: Pages held on per-CPU lists. On CPU 1 the oomlab module allocates 40000
# describe: order-0 pages and frees them, which leaves CPU 1's pcp lists filled up to
# describe: their high mark. On CPU 0 it then takes order-0 GFP_ATOMIC pages until one
# describe: fails: an atomic request never reclaims, so nothing drains the lists. The
# describe: zone's buddy free pages are below the atomic watermark (the buddy lines are
# describe: empty) while the report's free_pcp shows megabytes that no watermark counts
# describe: and this request cannot take: another CPU's lists, or this CPU's lists of
# describe: other migratetypes. Cause: exhausted; pcp-held is why free_pcp is large.
# just-before: /proc files: after the CPU-1 fill, right before the CPU-0 command;
# just-before: oomlab tag=pre: in the kernel between the atomic fill and the request.
taskset -c 1 sh -c 'echo "alloc 0 kernel+nowarn 40000 5; free 5" > /proc/oomlab'
taskset -p -c 0 $$ >/dev/null
lab_snap pre
lab_cmd "alloc 0 atomic+nowarn all 3; snap; alloc 0 atomic 1 4; free 4; free 3"
