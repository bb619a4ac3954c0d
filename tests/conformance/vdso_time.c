/* Time through the C library (which uses the vDSO where there is one)
 * against time through the system call: for CLOCK_REALTIME, MONOTONIC,
 * BOOTTIME, MONOTONIC_COARSE, REALTIME_COARSE and MONOTONIC_RAW, libc's
 * clock_gettime agrees with syscall(SYS_clock_gettime) within 50 ms, each
 * way is monotonic over 10000 calls, clock_getres agrees; a coarse clock
 * stays within 50 ms of its fine one; gettimeofday agrees with
 * clock_gettime and with time(); an unknown clock gives EINVAL. The vDSO
 * itself: getauxval(AT_SYSINFO_EHDR) points at an ELF image whose dynamic
 * symbols (looked up through DT_HASH and the version table, as musl does)
 * include __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time and
 * __vdso_getcpu, version LINUX_2.6; called directly they agree with the
 * system calls. A dynamic program also finds the vDSO as linux-vdso.so.1
 * through dlopen/dlvsym. */
#include "sole_test.h"
#include <elf.h>
#include <sys/auxv.h>
#include <sys/time.h>

#ifdef SOLE_DYNAMIC
#include <dlfcn.h>
#endif

#define MS 1000000LL
#define TOLERANCE (50 * MS)
#define CALLS 10000

static const struct {
	clockid_t id;
	const char *name;
} clocks[] = {
	{ CLOCK_REALTIME, "CLOCK_REALTIME" },
	{ CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
	{ CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
	{ CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE" },
	{ CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE" },
	{ CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
};

static long long ns_of(struct timespec ts)
{
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long abs_ll(long long x)
{
	return x < 0 ? -x : x;
}

static int sys_clock_gettime(clockid_t id, struct timespec *ts)
{
	return (int)syscall(SYS_clock_gettime, id, ts);
}

static void compare_clock(clockid_t id, const char *name)
{
	struct timespec a, b, c;
	int ok = clock_gettime(id, &a) == 0 && sys_clock_gettime(id, &b) == 0 &&
		 clock_gettime(id, &c) == 0;
	CHECK(ok, "%s: libc and syscall both read it", name);
	if (!ok)
		return;
	CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000L, "%s: tv_nsec in range", name);
	CHECK(abs_ll(ns_of(b) - ns_of(a)) < TOLERANCE && abs_ll(ns_of(c) - ns_of(b)) < TOLERANCE,
	      "%s: libc and syscall agree within 50 ms (%lld, %lld ns)", name,
	      ns_of(b) - ns_of(a), ns_of(c) - ns_of(b));

	/* Monotonic, each way and interleaved. */
	int back_libc = 0, back_sys = 0, failed = 0;
	long long prev_libc = ns_of(c), prev_sys = ns_of(b);
	for (int i = 0; i < CALLS; i++) {
		struct timespec t;
		failed |= clock_gettime(id, &t) != 0;
		back_libc += ns_of(t) < prev_libc;
		prev_libc = ns_of(t);
		if (i % 10 == 0) {
			failed |= sys_clock_gettime(id, &t) != 0;
			back_sys += ns_of(t) < prev_sys;
			prev_sys = ns_of(t);
		}
	}
	CHECK(!failed, "%s: %d calls succeed", name, CALLS);
	CHECK(back_libc == 0, "%s: libc never goes back in %d calls (%d times)", name, CALLS,
	      back_libc);
	CHECK(back_sys == 0, "%s: the syscall never goes back (%d times)", name, back_sys);

	struct timespec r1 = { -1, -1 }, r2 = { -2, -2 };
	CHECK(clock_getres(id, &r1) == 0 && syscall(SYS_clock_getres, id, &r2) == 0 &&
		      r1.tv_sec == r2.tv_sec && r1.tv_nsec == r2.tv_nsec && ns_of(r1) > 0,
	      "%s: clock_getres agrees (%lld, %lld ns)", name, ns_of(r1), ns_of(r2));
}

static void coarse_and_fine(clockid_t coarse, clockid_t fine, const char *name)
{
	struct timespec a, b;
	clock_gettime(coarse, &a);
	clock_gettime(fine, &b);
	CHECK(abs_ll(ns_of(b) - ns_of(a)) < TOLERANCE, "%s is within 50 ms of its fine clock (%lld ns)",
	      name, ns_of(b) - ns_of(a));
}

static void wall_clock(void)
{
	time_t t1 = time(NULL);
	struct timeval tv;
	CHECK_OK(gettimeofday(&tv, NULL));
	time_t t2 = 0;
	time_t t3 = time(&t2);
	CHECK(t2 == t3, "time(&t) stores what it returns");
	/* time() may read a coarse clock a tick behind gettimeofday's. */
	CHECK(t1 <= tv.tv_sec + 1 && tv.tv_sec <= t3 + 1, "time() and gettimeofday agree (%lld, %lld, %lld)",
	      (long long)t1, (long long)tv.tv_sec, (long long)t3);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec in range");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long tv_ns = (long long)tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
	CHECK(abs_ll(ns_of(ts) - tv_ns) < TOLERANCE, "gettimeofday and CLOCK_REALTIME agree");
	struct timeval sys_tv;
	CHECK(syscall(SYS_gettimeofday, &sys_tv, NULL) == 0, "the gettimeofday syscall");
	long long sys_ns = (long long)sys_tv.tv_sec * 1000000000LL + sys_tv.tv_usec * 1000LL;
	CHECK(abs_ll(sys_ns - tv_ns) < TOLERANCE, "libc's and the syscall's gettimeofday agree");
	time_t sys_t = (time_t)syscall(SYS_time, NULL);
	CHECK(abs_ll(sys_t - time(NULL)) <= 1, "time() and the time syscall agree");
	/* After 2020, before 2200: the clock is set. */
	CHECK(t1 > 1577836800 && t1 < 7258118400LL, "the wall clock is set (%lld)", (long long)t1);

	struct timespec bad;
	CHECK_ERR(clock_gettime((clockid_t)100, &bad), EINVAL);
	CHECK_ERR(syscall(SYS_clock_gettime, 100, &bad), EINVAL);
}

/* ---- The vDSO's symbols, looked up as musl's __vdsosym does ---------- */

struct vdso {
	uintptr_t base; /* load bias: symbol values are relative to it */
	const char *strings;
	const Elf64_Sym *syms;
	const Elf32_Word *hash;
	const Elf64_Half *versym;
	const Elf64_Verdef *verdef;
};

/* Parses the vDSO's program headers and dynamic section; 0 if it is not
 * what musl can use. */
static int vdso_open(const Elf64_Ehdr *eh, struct vdso *v)
{
	memset(v, 0, sizeof *v);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	int have_base = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_base) {
			v->base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
			have_base = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)((const char *)eh + ph[i].p_offset);
		}
	}
	if (!dyn || !have_base)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(v->base + dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_STRTAB: v->strings = p; break;
		case DT_SYMTAB: v->syms = p; break;
		case DT_HASH: v->hash = p; break;
		case DT_VERSYM: v->versym = p; break;
		case DT_VERDEF: v->verdef = p; break;
		}
	}
	if (!v->verdef)
		v->versym = NULL;
	return v->strings && v->syms && v->hash;
}

/* Whether version index `index` is named `name` in the Verdef chain. */
static int has_version(const struct vdso *v, int index, const char *name)
{
	const Elf64_Verdef *def = v->verdef;
	index &= 0x7fff;
	for (;;) {
		if (!(def->vd_flags & VER_FLG_BASE) && (def->vd_ndx & 0x7fff) == index)
			break;
		if (def->vd_next == 0)
			return 0;
		def = (const Elf64_Verdef *)((const char *)def + def->vd_next);
	}
	const Elf64_Verdaux *aux = (const Elf64_Verdaux *)((const char *)def + def->vd_aux);
	return strcmp(name, v->strings + aux->vda_name) == 0;
}

/* The address of function `name`, version `version`, or NULL. */
static void *vdso_sym(const struct vdso *v, const char *name, const char *version)
{
	for (Elf32_Word i = 0; i < v->hash[1]; i++) {
		const Elf64_Sym *s = &v->syms[i];
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC)
			continue;
		if (ELF64_ST_BIND(s->st_info) != STB_GLOBAL && ELF64_ST_BIND(s->st_info) != STB_WEAK)
			continue;
		if (s->st_shndx == SHN_UNDEF || strcmp(name, v->strings + s->st_name) != 0)
			continue;
		if (v->versym && !has_version(v, v->versym[i], version))
			continue;
		return (void *)(v->base + s->st_value);
	}
	return NULL;
}

static void vdso(void)
{
	unsigned long at = getauxval(AT_SYSINFO_EHDR);
	CHECK(at != 0, "getauxval(AT_SYSINFO_EHDR) is set");
	if (!at)
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)at;
	CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "AT_SYSINFO_EHDR points at \\177ELF");
	CHECK(eh->e_ident[EI_CLASS] == ELFCLASS64 && eh->e_type == ET_DYN &&
		      eh->e_machine == EM_X86_64,
	      "a 64-bit x86-64 shared object");
	struct vdso v;
	CHECK(vdso_open(eh, &v), "it has PT_DYNAMIC, DT_STRTAB, DT_SYMTAB and DT_HASH");
	if (!v.hash)
		return;
	CHECK(v.versym != NULL, "it has symbol versions");
	void *cg = vdso_sym(&v, "__vdso_clock_gettime", "LINUX_2.6");
	void *gtod = vdso_sym(&v, "__vdso_gettimeofday", "LINUX_2.6");
	void *tm = vdso_sym(&v, "__vdso_time", "LINUX_2.6");
	void *gc = vdso_sym(&v, "__vdso_getcpu", "LINUX_2.6");
	CHECK(cg != NULL, "__vdso_clock_gettime@LINUX_2.6");
	CHECK(gtod != NULL, "__vdso_gettimeofday@LINUX_2.6");
	CHECK(tm != NULL, "__vdso_time@LINUX_2.6");
	CHECK(gc != NULL, "__vdso_getcpu@LINUX_2.6");

	if (cg) {
		int (*vdso_clock_gettime)(clockid_t, struct timespec *) =
			(int (*)(clockid_t, struct timespec *))cg;
		for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
			struct timespec a = { 0, 0 }, b = { 0, 0 };
			int r = vdso_clock_gettime(clocks[i].id, &a);
			sys_clock_gettime(clocks[i].id, &b);
			CHECK(r == 0 && abs_ll(ns_of(b) - ns_of(a)) < TOLERANCE,
			      "__vdso_clock_gettime(%s) agrees with the syscall", clocks[i].name);
		}
		struct timespec t;
		CHECK(vdso_clock_gettime((clockid_t)100, &t) == -EINVAL,
		      "__vdso_clock_gettime of an unknown clock: -EINVAL");
	}
	if (gtod) {
		int (*vdso_gettimeofday)(struct timeval *, void *) =
			(int (*)(struct timeval *, void *))gtod;
		struct timeval a, b;
		int r = vdso_gettimeofday(&a, NULL);
		syscall(SYS_gettimeofday, &b, NULL);
		long long d = ((long long)b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_usec - a.tv_usec);
		CHECK(r == 0 && abs_ll(d) < TOLERANCE / 1000, "__vdso_gettimeofday agrees");
	}
	if (tm) {
		time_t (*vdso_time)(time_t *) = (time_t (*)(time_t *))tm;
		time_t stored = 0;
		time_t t = vdso_time(&stored);
		CHECK(t == stored && abs_ll(t - (time_t)syscall(SYS_time, NULL)) <= 1,
		      "__vdso_time agrees");
	}
	if (gc) {
		long (*vdso_getcpu)(unsigned *, unsigned *, void *) =
			(long (*)(unsigned *, unsigned *, void *))gc;
		/* Pinned to one CPU, every way of asking names it. */
		unsigned cpu = 0, node = 0, vcpu = 99, vnode = 99;
		cpu_set_t old, one;
		int pinned = syscall(SYS_getcpu, &cpu, &node, NULL) == 0 &&
			     sched_getaffinity(0, sizeof old, &old) == 0;
		if (pinned) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			pinned = sched_setaffinity(0, sizeof one, &one) == 0;
		}
		CHECK(pinned, "pinned to CPU %u", cpu);
		if (pinned) {
			CHECK(vdso_getcpu(&vcpu, &vnode, NULL) == 0 && vcpu == cpu && vnode == node,
			      "__vdso_getcpu names the CPU (%u, %u)", vcpu, cpu);
			CHECK_EQ(sched_getcpu(), cpu);
			sched_setaffinity(0, sizeof old, &old);
		}
	}

#ifdef SOLE_DYNAMIC
	/* glibc lists the vDSO among its objects, under its DT_SONAME. */
	void *h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	CHECK(h != NULL, "dlopen(\"linux-vdso.so.1\", RTLD_NOLOAD)");
	if (h) {
		CHECK(dlvsym(h, "__vdso_clock_gettime", "LINUX_2.6") == cg,
		      "dlvsym finds the same __vdso_clock_gettime");
		dlclose(h);
	}
#endif
}

int main(void)
{
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
		compare_clock(clocks[i].id, clocks[i].name);
	coarse_and_fine(CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC, "CLOCK_MONOTONIC_COARSE");
	coarse_and_fine(CLOCK_REALTIME_COARSE, CLOCK_REALTIME, "CLOCK_REALTIME_COARSE");
	wall_clock();
	vdso();
	return finish();
}
