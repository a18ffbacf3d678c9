/*
 * firstinsn - a child with no runtime: start.S is all of it. This file
 * exists because the build finds programs by their C files; main is never
 * called.
 */
int main(void);

int main(void)
{
	return 0;
}
