/*
 * uaccess.c - checked copies to and from the current process (uaccess.h).
 */
#include <kernel/as.h>
#include <kernel/proc.h>
#include <kernel/uaccess.h>

int arch_copy_user(void *dst, const void *src, size_t n);

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	struct process *p = current_process();

	if (n == 0)
		return 0;
	if (!p || !as_check_user(&p->as, usrc, n, false))
		return -1;
	return arch_copy_user(dst, (const void *)usrc, n);
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	struct process *p = current_process();

	if (n == 0)
		return 0;
	if (!p || !as_check_user(&p->as, udst, n, true))
		return -1;
	return arch_copy_user((void *)udst, src, n);
}

int copy_from_user_checked(void *dst, uint64_t usrc, size_t n)
{
	return n ? arch_copy_user(dst, (const void *)usrc, n) : 0;
}

int copy_to_user_checked(uint64_t udst, const void *src, size_t n)
{
	return n ? arch_copy_user((void *)udst, src, n) : 0;
}
