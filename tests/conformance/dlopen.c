/* dlopen(3) in a dynamically linked program: libm.so.6 (which the program
 * does not link) loads, dlsym finds cos and calling it works, dladdr names
 * the library it came from and dl_iterate_phdr lists it, a second dlopen
 * (by name, by the path dladdr gave, or with RTLD_NOLOAD) gives the same
 * handle, and dlclose balances each; a missing library gives NULL and a
 * dlerror() naming it (then NULL: the error is consumed), as does a
 * missing symbol; dlsym(RTLD_DEFAULT) finds libc's functions at the
 * addresses the program uses. Static programs cannot load libraries
 * (musl's dlopen always fails; glibc's needs the shared libc), so in the
 * static variants the test only skips: the runner builds the dynamic
 * variant with -DSOLE_DYNAMIC. */
#include "sole_test.h"

#ifdef SOLE_DYNAMIC
#include <dlfcn.h>
#include <link.h>

struct search {
	const char *name;
	int found;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct search *s = data;
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, s->name))
		s->found = 1;
	return 0;
}

/* Whether dl_iterate_phdr lists an object whose name contains `name`. */
static int loaded(const char *name)
{
	struct search s = { name, 0 };
	dl_iterate_phdr(find_object, &s);
	return s.found;
}

int main(void)
{
	void *libm = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
	if (!libm)
		NOTE("dlerror: %s", dlerror());
	CHECK(libm != NULL, "dlopen(\"libm.so.6\")");
	if (!libm)
		return finish();
	double (*cosine)(double) = (double (*)(double))dlsym(libm, "cos");
	CHECK(cosine != NULL, "dlsym(libm, \"cos\")");
	if (cosine) {
		CHECK(cosine(0.0) == 1.0, "cos(0) == 1");
		double c = cosine(3.14159265358979323846);
		CHECK(c > -1.0000001 && c < -0.9999999, "cos(pi) == -1");
		Dl_info info;
		memset(&info, 0, sizeof info);
		CHECK(dladdr((void *)cosine, &info) != 0, "dladdr(cos)");
		CHECK(info.dli_fname && strstr(info.dli_fname, "libm.so.6"),
		      "dladdr names libm.so.6 (%s)", info.dli_fname ? info.dli_fname : "(null)");
		/* (cos is an IFUNC: the address is a variant's that dynsym does
		 * not name, so dli_sname may be NULL.) */
		if (info.dli_fname && info.dli_fname[0] == '/') {
			void *again = dlopen(info.dli_fname, RTLD_NOW);
			CHECK(again == libm, "dlopen by the path dladdr gave: the same handle");
			if (again)
				CHECK_OK(dlclose(again));
		}
	}
	CHECK(loaded("libm.so.6"), "dl_iterate_phdr lists libm.so.6");
	void *again = dlopen("libm.so.6", RTLD_LAZY);
	CHECK(again == libm, "dlopen again: the same handle");
	if (again)
		CHECK_OK(dlclose(again));
	again = dlopen("libm.so.6", RTLD_NOW | RTLD_NOLOAD);
	CHECK(again == libm, "RTLD_NOLOAD finds it");
	if (again)
		CHECK_OK(dlclose(again));

	/* A missing symbol. */
	dlerror();
	CHECK(dlsym(libm, "sole_no_such_symbol") == NULL, "dlsym of a missing symbol: NULL");
	const char *err = dlerror();
	CHECK(err && strstr(err, "sole_no_such_symbol"), "dlerror names the symbol (%s)",
	      err ? err : "(null)");
	CHECK(dlerror() == NULL, "dlerror is consumed");
	CHECK_OK(dlclose(libm));

	/* A missing library. */
	void *none = dlopen("libsole-missing.so.1", RTLD_NOW);
	CHECK(none == NULL, "dlopen of a missing library: NULL");
	err = dlerror();
	CHECK(err && strstr(err, "libsole-missing.so.1"), "dlerror names the library (%s)",
	      err ? err : "(null)");
	CHECK(dlerror() == NULL, "dlerror is consumed");
	CHECK(dlopen("/nonexistent/libsole.so", RTLD_NOW) == NULL, "a missing path: NULL");
	CHECK(dlerror() != NULL, "with an error");

	/* The program and libc. */
	CHECK(dlsym(RTLD_DEFAULT, "strlen") != NULL, "dlsym(RTLD_DEFAULT, \"strlen\")");
	CHECK(dlsym(RTLD_DEFAULT, "printf") == (void *)printf, "RTLD_DEFAULT's printf is printf");
	void *self = dlopen(NULL, RTLD_NOW);
	CHECK(self != NULL, "dlopen(NULL)");
	CHECK(self && dlsym(self, "getpid") == (void *)getpid, "the program's scope has getpid");
	if (self)
		dlclose(self);
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	CHECK(libc != NULL, "libc.so.6 is loaded already");
	if (libc) {
		CHECK(dlsym(libc, "memcpy") != NULL, "dlsym(libc, \"memcpy\")");
		dlclose(libc);
	}
	return finish();
}

#else

int main(void)
{
	SKIP("a static program cannot dlopen");
	return finish();
}

#endif
