/* Prints its arguments and an environment variable, allocates memory both
 * through brk (small) and mmap (large), and exits with the status given in
 * argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    char *small = malloc(100), *large = malloc(8 << 20);
    if (!small || !large)
        return 100;
    memset(large, 0x5a, 8 << 20);
    long sum = 0;
    for (int i = 0; i < (8 << 20); i += 4096)
        sum += large[i];
    printf("sum=%ld\n", sum);
    free(large);
    free(small);
    return argc > 1 ? atoi(argv[1]) : 0;
}
