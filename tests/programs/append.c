/* Appends one line to a file and prints the whole file: `append PATH TEXT
 * [nosync|hang|spin]`; with `nosync` the file is not fsync'd (the kernel's
 * sync at exit must keep it); with `hang` it is not fsync'd either, and the
 * program then waits forever, until the machine is stopped (the kernel's
 * periodic writeback must keep it); `spin` is `hang` making system calls
 * in a loop instead of waiting.
 * Run from a disk image, the file persists in the image between runs
 * (tests/integration/images.rs). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int hang = argc == 4 && strcmp(argv[3], "hang") == 0;
    int spin = argc == 4 && strcmp(argv[3], "spin") == 0;
    int nosync = hang || spin || (argc == 4 && strcmp(argv[3], "nosync") == 0);
    if (argc != 3 && !nosync) {
        fprintf(stderr, "usage: append PATH TEXT [nosync|hang|spin]\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) {
        perror("open");
        return 1;
    }
    size_t len = strlen(argv[2]);
    if (write(fd, argv[2], len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
        perror("write");
        return 1;
    }
    if (!nosync && fsync(fd) != 0) {
        perror("fsync");
        return 1;
    }
    close(fd);
    fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror("reopen");
        return 1;
    }
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        fwrite(buf, 1, (size_t)n, stdout);
    }
    close(fd);
    printf("appended\n");
    if (hang || spin) {
        fflush(stdout);
        for (;;) {
            if (hang)
                pause();
            else
                getppid();
        }
    }
    return 0;
}
