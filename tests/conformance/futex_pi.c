/* futex(2) priority-inheritance operations on a raw word:
 * FUTEX_LOCK_PI on 0 makes the caller the owner (the word holds its
 * TID); locking one's own is EDEADLK; FUTEX_TRYLOCK_PI by another thread
 * is EAGAIN (EWOULDBLOCK); FUTEX_UNLOCK_PI by a non-owner is EPERM; a
 * contended lock sets FUTEX_WAITERS in the word and sleeps; FUTEX_UNLOCK_PI
 * hands the lock to the waiter (the word then holds the waiter's TID);
 * the last unlock leaves 0; an owner TID that names no thread is ESRCH; a
 * timed FUTEX_LOCK_PI gives ETIMEDOUT. */
#include "sole_test.h"

#define PRIV SOLE_FUTEX_PRIVATE_FLAG

static uint32_t word;

struct other {
	pid_t tid;
	long trylock, trylock_errno;
	long unlock, unlock_errno;
	long lock, lock_errno;
	uint32_t word_after_lock;
	long unlock2;
	int locked;
};

static void *contender(void *arg)
{
	struct other *o = arg;
	o->tid = sole_gettid();
	o->trylock = sole_futex(&word, SOLE_FUTEX_TRYLOCK_PI | PRIV, 0, NULL, NULL, 0);
	o->trylock_errno = errno;
	o->unlock = sole_futex(&word, SOLE_FUTEX_UNLOCK_PI | PRIV, 0, NULL, NULL, 0);
	o->unlock_errno = errno;
	/* Blocks until the main thread unlocks. */
	o->lock = sole_futex(&word, SOLE_FUTEX_LOCK_PI | PRIV, 0, NULL, NULL, 0);
	o->lock_errno = errno;
	o->word_after_lock = __atomic_load_n(&word, __ATOMIC_SEQ_CST);
	__atomic_store_n(&o->locked, 1, __ATOMIC_SEQ_CST);
	o->unlock2 = sole_futex(&word, SOLE_FUTEX_UNLOCK_PI | PRIV, 0, NULL, NULL, 0);
	return NULL;
}

static int holder_go;

static void *holder(void *arg)
{
	struct other *o = arg;
	o->tid = sole_gettid();
	sole_futex(&word, SOLE_FUTEX_LOCK_PI | PRIV, 0, NULL, NULL, 0);
	__atomic_store_n(&o->locked, 1, __ATOMIC_SEQ_CST);
	wait_flag(&holder_go, 20000);
	o->unlock = sole_futex(&word, SOLE_FUTEX_UNLOCK_PI | PRIV, 0, NULL, NULL, 0);
	return NULL;
}

int main(void)
{
	pid_t me = sole_gettid();

	/* Uncontended, through the kernel. */
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_LOCK_PI | PRIV, 0, NULL, NULL, 0), 0);
	CHECK_EQ(word, (uint32_t)me);
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_LOCK_PI | PRIV, 0, NULL, NULL, 0), EDEADLK);
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_TRYLOCK_PI | PRIV, 0, NULL, NULL, 0), EDEADLK);
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_UNLOCK_PI | PRIV, 0, NULL, NULL, 0), 0);
	CHECK_EQ(word, 0);
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_UNLOCK_PI | PRIV, 0, NULL, NULL, 0), EPERM);
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_TRYLOCK_PI | PRIV, 0, NULL, NULL, 0), 0);
	CHECK_EQ(word, (uint32_t)me);
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_UNLOCK_PI | PRIV, 0, NULL, NULL, 0), 0);
	CHECK_EQ(word, 0);

	/* Taken in user space (0 -> TID), released by the kernel. */
	uint32_t zero = 0;
	CHECK(__atomic_compare_exchange_n(&word, &zero, (uint32_t)me, 0, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST),
	      "user-space acquisition");
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_LOCK_PI | PRIV, 0, NULL, NULL, 0), EDEADLK);

	/* Another thread: trylock EAGAIN, unlock EPERM, lock sleeps. */
	struct other o;
	memset(&o, 0, sizeof o);
	pthread_t t = start_thread(contender, &o);
	long long end = now_ns() + 20000000000LL;
	while (!(__atomic_load_n(&word, __ATOMIC_SEQ_CST) & SOLE_FUTEX_WAITERS) && now_ns() < end)
		sched_yield();
	uint32_t contended = __atomic_load_n(&word, __ATOMIC_SEQ_CST);
	CHECK(contended == ((uint32_t)me | SOLE_FUTEX_WAITERS),
	      "a sleeping locker sets FUTEX_WAITERS (%#x)", contended);
	CHECK(!__atomic_load_n(&o.locked, __ATOMIC_SEQ_CST), "the contender is still waiting");
	/* With FUTEX_WAITERS set, user space cannot release it. */
	uint32_t mine = (uint32_t)me;
	CHECK(!__atomic_compare_exchange_n(&word, &mine, 0, 0, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST),
	      "the user-space release fails while someone waits");
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_UNLOCK_PI | PRIV, 0, NULL, NULL, 0), 0);
	join_thread(t);
	CHECK(o.trylock == -1 && o.trylock_errno == EAGAIN, "trylock by another thread: EAGAIN (%s)",
	      errno_name((int)o.trylock_errno));
	CHECK(o.unlock == -1 && o.unlock_errno == EPERM, "unlock by a non-owner: EPERM (%s)",
	      errno_name((int)o.unlock_errno));
	CHECK(o.lock == 0, "the contender got the lock (%s)", errno_name((int)o.lock_errno));
	CHECK((o.word_after_lock & SOLE_FUTEX_TID_MASK) == (uint32_t)o.tid,
	      "the word names the new owner (%#x, tid %d)", o.word_after_lock, o.tid);
	/* (Linux leaves FUTEX_WAITERS set after a hand-over, so that the new
	 * owner's unlock goes through the kernel; either way is correct.) */
	CHECK(o.unlock2 == 0, "the new owner unlocked");
	CHECK_EQ(word, 0);

	/* An owner that does not exist. */
	word = 0x3ffffff0;
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_LOCK_PI | PRIV, 0, NULL, NULL, 0), ESRCH);
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_TRYLOCK_PI | PRIV, 0, NULL, NULL, 0), ESRCH);
	word = 0;

	/* A timed FUTEX_LOCK_PI (absolute CLOCK_REALTIME deadline) times out
	 * while another thread holds the lock. */
	memset(&o, 0, sizeof o);
	holder_go = 0;
	t = start_thread(holder, &o);
	CHECK(wait_flag(&o.locked, 20000), "the holder took the lock");
	long long t0 = now_ns();
	struct timespec deadline = deadline_after(CLOCK_REALTIME, 40000000LL);
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_LOCK_PI | PRIV, 0, &deadline, NULL, 0), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 35000000LL, "the timed lock waited for its deadline");
	CHECK_EQ(word & SOLE_FUTEX_TID_MASK, (uint32_t)o.tid);
	__atomic_store_n(&holder_go, 1, __ATOMIC_SEQ_CST);
	join_thread(t);
	CHECK(o.unlock == 0, "the holder unlocked");
	CHECK_EQ(word, 0);
	return finish();
}
