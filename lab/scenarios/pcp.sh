# cause: exhausted
# kind: alloc-failure
# memory: 512M
# describe: Pages held on per-CPU lists. On CPU 1 the oomlab module allocates 40000
# describe: order-0 pages and frees them, which leaves CPU 1's pcp lists full (up to
# describe: their high mark). On CPU 0 it then takes order-0 GFP_ATOMIC pages until
# describe: one fails: an atomic request never reclaims, so nothing drains CPU 1's
# describe: lists. The zone's buddy free pages are at the atomic watermark; the
# describe: megabytes on CPU 1's pcp lists are counted in no watermark and reachable
# describe: by no request on CPU 0. Cause: exhausted (with pcp-held as the reason the
# describe: report's free_pcp is large).
# just-before: /proc files: after the CPU-1 fill, right before the CPU-0 command;
# just-before: oomlab tag=pre: in the kernel between the atomic fill and the request.
taskset -c 1 sh -c 'echo "alloc 0 kernel+nowarn 40000 5; free 5" > /proc/oomlab'
taskset -p -c 0 $$ >/dev/null
lab_snap pre
lab_cmd "alloc 0 atomic+nowarn all 3; snap; alloc 0 atomic 1 4; free 4; free 3"
