/* Writes TEXT into file PATH through a shared mapping, with no msync,
 * fsync or write: `mapwrite PATH TEXT`. The file is made two pages long
 * and TEXT goes at the start of the second page. Run from a disk image,
 * the kernel's sync at exit must write the mapped page back
 * (tests/integration/images.rs). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mapwrite PATH TEXT\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ftruncate(fd, 8192) != 0) {
        perror(argv[1]);
        return 1;
    }
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    close(fd);
    memcpy(p + 4096, argv[2], strlen(argv[2]));
    printf("mapped and written\n");
    return 0;
}
