#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    char *(*version)(void);
    curl_version_info_data *(*version_info)(CURLversion);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[512];

static void load(void) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
#define RESOLVE(field, name)                                                          \
    if (!(*(void **)&fn.field = dlsym(lib, name))) {                                  \
        snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s", name);     \
        return;                                                                       \
    }
    RESOLVE(global_init, "curl_global_init")
    RESOLVE(easy_init, "curl_easy_init")
    RESOLVE(easy_cleanup, "curl_easy_cleanup")
    RESOLVE(easy_reset, "curl_easy_reset")
    RESOLVE(easy_perform, "curl_easy_perform")
    RESOLVE(easy_strerror, "curl_easy_strerror")
    RESOLVE(slist_append, "curl_slist_append")
    RESOLVE(slist_free_all, "curl_slist_free_all")
    RESOLVE(version, "curl_version")
    RESOLVE(version_info, "curl_version_info")
    RESOLVE(easy_setopt, "curl_easy_setopt")
    RESOLVE(easy_getinfo, "curl_easy_getinfo")
#undef RESOLVE
    fn.global_init(CURL_GLOBAL_ALL);
    loaded = 1;
}

int flinkctl_curl_load(char *error, size_t size) {
    pthread_once(&once, load);
    if (!loaded && error && size) snprintf(error, size, "%s", load_error);
    return loaded;
}

// Callers load first (HTTPTransport does, before it makes a handle); these
// guard anyway so that a missing library is an error, not a crash.
#define LOADED_OR(value) if (!flinkctl_curl_load(NULL, 0)) return value

CURL *flinkctl_curl_easy_init(void) { LOADED_OR(NULL); return fn.easy_init(); }
void flinkctl_curl_easy_cleanup(CURL *h) { if (loaded) fn.easy_cleanup(h); }
void flinkctl_curl_easy_reset(CURL *h) { if (loaded) fn.easy_reset(h); }
CURLcode flinkctl_curl_easy_perform(CURL *h) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_perform(h); }
const char *flinkctl_curl_easy_strerror(CURLcode code) { LOADED_OR("libcurl is not loaded"); return fn.easy_strerror(code); }
struct curl_slist *flinkctl_curl_slist_append(struct curl_slist *list, const char *s) { LOADED_OR(NULL); return fn.slist_append(list, s); }
void flinkctl_curl_slist_free_all(struct curl_slist *list) { if (loaded) fn.slist_free_all(list); }
const char *flinkctl_curl_version(void) { LOADED_OR("libcurl not loaded"); return fn.version(); }

CURLcode flinkctl_curl_setopt_long(CURL *h, CURLoption o, long v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_setopt(h, o, v); }
CURLcode flinkctl_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_setopt(h, o, v); }
CURLcode flinkctl_curl_setopt_string(CURL *h, CURLoption o, const char *v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_setopt(h, o, v); }
CURLcode flinkctl_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_setopt(h, o, v); }
CURLcode flinkctl_curl_setopt_data_callback(CURL *h, CURLoption o, flinkctl_curl_data_callback v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_setopt(h, o, v); }
CURLcode flinkctl_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_getinfo(h, i, v); }
CURLcode flinkctl_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_getinfo(h, i, v); }
CURLcode flinkctl_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { LOADED_OR(CURLE_FAILED_INIT); return fn.easy_getinfo(h, i, v); }

CURLcode flinkctl_curl_setopt_blob_copy(CURL *h, CURLoption o, const void *data, size_t len) {
    LOADED_OR(CURLE_FAILED_INIT);
    struct curl_blob blob = { (void *)data, len, CURL_BLOB_COPY };
    return fn.easy_setopt(h, o, &blob);
}

int flinkctl_curl_has_spnego(void) {
    LOADED_OR(0);
    curl_version_info_data *d = fn.version_info(CURLVERSION_NOW);
    return (d->features & CURL_VERSION_SPNEGO) && (d->features & CURL_VERSION_GSSAPI);
}
