"""oomlens lab: boot Debian kernels under QEMU and capture real allocator reports."""
