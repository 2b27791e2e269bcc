# cause: not-a-shortage
# kind: alloc-failure
# expect: vmalloc error: size 1099511627776
# memory: 256M
# describe: The oomlab module calls vmalloc(1 TiB) in a 256 MiB guest with nearly all
# describe: of its memory free. __vmalloc_node_range refuses a size above totalram
# describe: before asking for a single page and reports it through warn_alloc
# describe: ("vmalloc error: size ..., exceeds total pages"); free memory is not the cause.
# just-before: /proc files and oomlab tag=pre: immediately before the vmalloc call.
lab_snap pre
lab_cmd "snap; vmalloc 1099511627776"
