// SPDX-License-Identifier: GPL-2.0
/*
 * labw: the lab's static user-space workload.
 *
 *   labw snap TAG                  write /proc snapshots to the snapshot port
 *   labw hog [options]             allocate and touch anonymous memory until killed
 *       --step KB                  allocation step (default 1024)
 *       --snap-below KB            snapshot before every step once MemAvailable
 *                                  is below KB (default 24576) ...
 *       --snap-floor KB            ... until it falls below KB (default 2048); from
 *                                  then on nothing is read from /proc, so the only
 *                                  allocations are the hog's own page faults
 *       --bind NODE                set_mempolicy(MPOL_BIND, {NODE}) first
 *       --stop-at KB               stop allocating after KB and sleep forever
 *       --quiet                    never snapshot
 *
 * A snapshot is framed for the host:
 *   @@snap tag=TAG seq=N
 *   @@file NAME ... @@endfile   (buddyinfo pagetypeinfo zoneinfo vmstat meminfo oomlab)
 *   @@endsnap
 * and goes to /dev/ttyS2 (x86) or /dev/ttyAMA2-style ports named by $LAB_SNAP_TTY.
 * Nothing here uses malloc after start-up: the buffers are static, the memory
 * hog maps anonymous memory and touches every page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND 2

static char buf[256 * 1024];
static int snap_fd = -1;
static int seq;

static void out(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(snap_fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

static void copy_file(const char *name)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "@@file %s\n", name);
	outs(buf);
	/* read the whole file first: a seq_file read is one consistent pass */
	size_t len = 0;

	while ((n = read(fd, buf + len, sizeof(buf) - len - 1)) > 0)
		len += (size_t)n;
	close(fd);
	if (len && buf[len - 1] != '\n')
		buf[len++] = '\n';
	out(buf, len);
	outs("@@endfile\n");
}

static void snapshot(const char *tag)
{
	static const char *const files[] = {
		"oomlab", "buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat", "meminfo",
	};
	char head[128];
	size_t i;

	if (snap_fd < 0) {
		const char *tty = getenv("LAB_SNAP_TTY");

		snap_fd = open(tty ? tty : "/dev/ttyS2", O_WRONLY | O_NOCTTY);
		if (snap_fd < 0)
			return;
	}
	snprintf(head, sizeof(head), "@@snap tag=%s seq=%d pid=%d\n", tag, ++seq, getpid());
	outs(head);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		copy_file(files[i]);
	outs("@@endsnap\n");
}

static long mem_available_kb(void)
{
	static char mbuf[4096];
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, mbuf, sizeof(mbuf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	mbuf[n] = 0;
	p = strstr(mbuf, "MemAvailable:");
	return p ? strtol(p + 13, NULL, 10) : -1;
}

static int hog(int argc, char **argv)
{
	long step_kb = 1024, snap_below = 24576, snap_floor = 2048, stop_at = -1, total = 0;
	int bind = -1, quiet = 0, i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--step") && i + 1 < argc)
			step_kb = atol(argv[++i]);
		else if (!strcmp(argv[i], "--snap-below") && i + 1 < argc)
			snap_below = atol(argv[++i]);
		else if (!strcmp(argv[i], "--snap-floor") && i + 1 < argc)
			snap_floor = atol(argv[++i]);
		else if (!strcmp(argv[i], "--bind") && i + 1 < argc)
			bind = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--stop-at") && i + 1 < argc)
			stop_at = atol(argv[++i]);
		else if (!strcmp(argv[i], "--quiet"))
			quiet = 1;
		else {
			fprintf(stderr, "labw hog: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (bind >= 0) {
		unsigned long mask = 1UL << bind;

		if (syscall(SYS_set_mempolicy, MPOL_BIND, &mask, sizeof(mask) * 8 + 1)) {
			perror("set_mempolicy");
			return 1;
		}
	}
	for (;;) {
		size_t len = (size_t)step_kb * 1024, off;
		char *p;

		if (stop_at >= 0 && total >= stop_at)
			for (;;)
				pause();
		if (!quiet) {
			long avail = mem_available_kb();

			if (avail >= 0 && avail < snap_floor)
				quiet = 1;
			else if (avail >= 0 && avail < snap_below)
				snapshot("hog");
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			for (;;)
				pause();
		}
		for (off = 0; off < len; off += 4096)
			p[off] = 1;
		total += step_kb;
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "snap")) {
		snapshot(argv[2]);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "hog"))
		return hog(argc - 2, argv + 2);
	fprintf(stderr, "usage: labw snap TAG | labw hog [--step KB] [--snap-below KB] "
		"[--bind NODE] [--stop-at KB] [--quiet]\n");
	return 2;
}
