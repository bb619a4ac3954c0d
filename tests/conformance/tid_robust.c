/* set_tid_address(2) returns the caller's thread id; set_robust_list(2)
 * takes a list head of the right size and refuses any other (EINVAL). */
#include "sole_test.h"

struct robust_list {
	struct robust_list *next;
};

struct robust_list_head {
	struct robust_list list;
	long futex_offset;
	struct robust_list *list_op_pending;
};

static int clear_tid = 1;
static struct robust_list_head head;

int main(void)
{
	long tid = syscall(SYS_gettid);
	CHECK_EQ(syscall(SYS_set_tid_address, &clear_tid), tid);
	CHECK_EQ(syscall(SYS_set_tid_address, &clear_tid), tid);
	/* The word itself is not written while the thread lives. */
	CHECK_EQ(clear_tid, 1);

	/* An empty list points at itself. */
	head.list.next = &head.list;
	head.futex_offset = 0;
	head.list_op_pending = NULL;
	CHECK_OK(syscall(SYS_set_robust_list, &head, sizeof head));
	CHECK_ERR(syscall(SYS_set_robust_list, &head, sizeof head - 1), EINVAL);
	CHECK_ERR(syscall(SYS_set_robust_list, &head, 0), EINVAL);
	CHECK_ERR(syscall(SYS_set_robust_list, &head, sizeof head + 8), EINVAL);
	/* The kernel only records the pointer. */
	CHECK_OK(syscall(SYS_set_robust_list, &head, sizeof head));
	return finish();
}
