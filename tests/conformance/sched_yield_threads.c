/* sched_yield(2) between threads: two threads take turns through a shared
 * flag, each spinning with sched_yield until it is its turn; the hand-over
 * completes (with one CPU the yield must let the other thread run); four
 * threads in a ring do the same; sched_yield returns 0. */
#include "sole_test.h"

#define TURNS 300

static volatile int turn;
static int out_of_turn;

struct player {
	int me, next, players;
};

static void *play(void *arg)
{
	struct player *p = arg;
	for (int i = 0; i < TURNS; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != p->me)
			sched_yield();
		if (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != p->me)
			out_of_turn++;
		__atomic_store_n(&turn, p->next, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void ring(int players)
{
	struct player p[4];
	pthread_t t[4];
	turn = 0;
	for (int i = 0; i < players; i++) {
		p[i] = (struct player){ i, (i + 1) % players, players };
		t[i] = start_thread(play, &p[i]);
	}
	for (int i = 0; i < players; i++)
		join_thread(t[i]);
	CHECK(turn == 0, "%d players: the turn came back to the first", players);
	CHECK(out_of_turn == 0, "%d players: nobody moved out of turn", players);
}

int main(void)
{
	CHECK_RET(sched_yield(), 0);
	CHECK_RET(syscall(SYS_sched_yield), 0);
	long long t0 = now_ns();
	ring(2);
	ring(4);
	CHECK(now_ns() - t0 < 30000000000LL, "in reasonable time");
	return finish();
}
