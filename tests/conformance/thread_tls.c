/* Thread-local storage: `__thread` variables are per thread; every new
 * thread starts from the TLS image (initialised .tdata and zeroed .tbss),
 * not from the creator's current values; their addresses differ between
 * threads; the FS base (arch_prctl(2) ARCH_GET_FS) differs per thread, and
 * on x86-64 %fs:0 holds the thread pointer itself (the TLS ABI both C
 * libraries rely on). */
#include "sole_test.h"
#include <semaphore.h>

static __thread int tdata = 42;
static __thread char tstring[32] = "initial image";
static __thread long tbss;
static __thread long tbss_array[64];

#define N 3

struct seen {
	int tdata;
	char tstring[32];
	long tbss;
	long tbss_sum;
	void *tdata_addr;
	unsigned long fs_base;
	unsigned long fs0;
	int after;
};

static struct seen seen[N + 1];
static pthread_barrier_t barrier;

static unsigned long read_fs0(void)
{
	unsigned long v;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

static void record(struct seen *s)
{
	s->tdata = tdata;
	memcpy(s->tstring, tstring, sizeof tstring);
	s->tbss = tbss;
	long sum = 0;
	for (int i = 0; i < 64; i++)
		sum += tbss_array[i];
	s->tbss_sum = sum;
	s->tdata_addr = &tdata;
	syscall(SYS_arch_prctl, SOLE_ARCH_GET_FS, &s->fs_base);
	s->fs0 = read_fs0();
}

static void *worker(void *arg)
{
	long i = (long)arg;
	record(&seen[i]);
	/* Change this thread's copies, then let the others look at theirs. */
	tdata = 1000 + (int)i;
	tbss = i;
	strcpy(tstring, "changed");
	for (int j = 0; j < 64; j++)
		tbss_array[j] = i;
	pthread_barrier_wait(&barrier);
	seen[i].after = tdata;
	return NULL;
}

int main(void)
{
	/* The main thread changes its copies before starting any thread. */
	tdata = 7;
	tbss = 99;
	strcpy(tstring, "main's");
	tbss_array[5] = 5;

	pthread_barrier_init(&barrier, NULL, N);
	pthread_t t[N];
	for (long i = 0; i < N; i++)
		t[i] = start_thread(worker, (void *)i);
	for (long i = 0; i < N; i++)
		join_thread(t[i]);
	record(&seen[N]);

	for (int i = 0; i < N; i++) {
		CHECK(seen[i].tdata == 42, "thread %d starts with the initialiser (%d)", i,
		      seen[i].tdata);
		CHECK(strcmp(seen[i].tstring, "initial image") == 0,
		      "thread %d: a string from the TLS image (\"%s\")", i, seen[i].tstring);
		CHECK(seen[i].tbss == 0, "thread %d: .tbss starts zero", i);
		CHECK(seen[i].tbss_sum == 0, "thread %d: a .tbss array starts zero", i);
		CHECK(seen[i].after == 1000 + i, "thread %d kept its own value (%d)", i,
		      seen[i].after);
		CHECK(seen[i].tdata_addr != seen[N].tdata_addr,
		      "thread %d's variable is not the main thread's", i);
		CHECK(seen[i].fs_base != seen[N].fs_base, "thread %d has its own FS base", i);
		CHECK(seen[i].fs0 == seen[i].fs_base, "thread %d: %%fs:0 is the FS base", i);
		for (int j = 0; j < i; j++) {
			CHECK(seen[i].tdata_addr != seen[j].tdata_addr,
			      "threads %d and %d: distinct addresses", i, j);
			CHECK(seen[i].fs_base != seen[j].fs_base,
			      "threads %d and %d: distinct FS bases", i, j);
		}
	}
	/* The main thread's copies were untouched by the others. */
	CHECK_EQ(tdata, 7);
	CHECK_EQ(tbss, 99);
	CHECK_STR(tstring, "main's");
	CHECK_EQ(tbss_array[5], 5);
	CHECK(seen[N].fs0 == seen[N].fs_base, "main: %%fs:0 is the FS base");
	CHECK((unsigned long)pthread_self() == seen[N].fs_base,
	      "pthread_self() is the thread pointer");
	return finish();
}
