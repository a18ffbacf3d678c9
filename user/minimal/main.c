/*
 * minimal - the smallest program: exits at once. Used to measure and
 * stress process creation and teardown.
 */
int main(void)
{
	return 0;
}
