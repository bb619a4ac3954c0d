/* Writes through a pointer to an address nothing maps. */
int main(void) {
    volatile int *p = (int *)0x1234000;
    *p = 1;
    return 0;
}
