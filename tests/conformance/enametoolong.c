/* ENAMETOOLONG: a path component longer than NAME_MAX (255) or a path of
 * PATH_MAX (4096) bytes or more, for every kind of call; a component of
 * exactly 255 bytes works; a symbolic link's target is limited too. */
#include "sole_test.h"

static char long_name[300], max_name[256], long_path[PATH_MAX + 100];

int main(void)
{
	scratch();
	struct stat st;
	char buf[64];

	memset(long_name, 'n', 256);
	long_name[256] = 0;
	memset(max_name, 'm', 255);
	max_name[255] = 0;
	/* A path of PATH_MAX bytes of short components ("a/a/a/..."). */
	for (size_t i = 0; i < PATH_MAX + 10; i += 2) {
		long_path[i] = 'a';
		long_path[i + 1] = '/';
	}
	long_path[PATH_MAX + 10] = 0;

	/* 255 bytes is allowed. */
	int fd = CHECK_OK(open(max_name, O_RDWR | O_CREAT, 0644));
	close(fd);
	CHECK_OK(stat(max_name, &st));
	CHECK_OK(unlink(max_name));
	CHECK_OK(mkdir(max_name, 0755));
	CHECK_OK(rmdir(max_name));

	/* 256 is not. */
	CHECK_ERR(open(long_name, O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	CHECK_ERR(open(long_name, O_RDONLY), ENAMETOOLONG);
	CHECK_ERR(stat(long_name, &st), ENAMETOOLONG);
	CHECK_ERR(lstat(long_name, &st), ENAMETOOLONG);
	CHECK_ERR(mkdir(long_name, 0755), ENAMETOOLONG);
	CHECK_ERR(rmdir(long_name), ENAMETOOLONG);
	CHECK_ERR(unlink(long_name), ENAMETOOLONG);
	CHECK_ERR(access(long_name, F_OK), ENAMETOOLONG);
	CHECK_ERR(chdir(long_name), ENAMETOOLONG);
	CHECK_ERR(readlink(long_name, buf, sizeof buf), ENAMETOOLONG);
	CHECK_ERR(truncate(long_name, 0), ENAMETOOLONG);
	CHECK_ERR(chmod(long_name, 0644), ENAMETOOLONG);
	make_file("f", "");
	CHECK_ERR(rename("f", long_name), ENAMETOOLONG);
	CHECK_ERR(rename(long_name, "g"), ENAMETOOLONG);
	CHECK_ERR(link("f", long_name), ENAMETOOLONG);
	CHECK_ERR(symlink("f", long_name), ENAMETOOLONG);
	/* Also as an inner component. */
	char inner[400];
	snprintf(inner, sizeof inner, "%s/x", long_name);
	CHECK_ERR(stat(inner, &st), ENAMETOOLONG);
	CHECK_ERR(open(inner, O_RDWR | O_CREAT, 0644), ENAMETOOLONG);

	/* A whole path of PATH_MAX bytes or more. */
	CHECK_ERR(stat(long_path, &st), ENAMETOOLONG);
	CHECK_ERR(open(long_path, O_RDONLY), ENAMETOOLONG);
	CHECK_ERR(mkdir(long_path, 0755), ENAMETOOLONG);
	CHECK_ERR(chdir(long_path), ENAMETOOLONG);
	CHECK_ERR(symlink(long_path, "l"), ENAMETOOLONG);

	/* A link target of up to PATH_MAX - 1 bytes is fine (it is not looked
	 * up); readlink returns it whole. */
	long_path[PATH_MAX - 1] = 0;
	CHECK_OK(symlink(long_path, "l"));
	static char back[PATH_MAX + 1];
	CHECK_RET(readlink("l", back, sizeof back), PATH_MAX - 1);
	return finish();
}
