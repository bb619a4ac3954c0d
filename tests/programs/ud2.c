/* Executes an invalid instruction. */
int main(void) {
    __asm__ volatile("ud2");
    return 0;
}
