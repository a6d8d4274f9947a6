#ifndef FLINKCTL_CCURL_SHIM_H
#define FLINKCTL_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, and Swift cannot call C
// variadic functions. Each wrapper below fixes the type of the third argument,
// so the Swift side picks the one that matches the option's documented type.

static inline CURLcode flinkctl_curl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode flinkctl_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode flinkctl_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode flinkctl_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
typedef size_t (*flinkctl_curl_data_callback)(char *, size_t, size_t, void *);
static inline CURLcode flinkctl_curl_setopt_data_callback(CURL *h, CURLoption o, flinkctl_curl_data_callback v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode flinkctl_curl_getinfo_long(CURL *h, CURLINFO i, long *v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode flinkctl_curl_getinfo_string(CURL *h, CURLINFO i, char **v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode flinkctl_curl_getinfo_double(CURL *h, CURLINFO i, double *v) {
    return curl_easy_getinfo(h, i, v);
}

// Blob options (CURLOPT_CAINFO_BLOB): libcurl copies the bytes, so the caller's
// buffer need only live for the call.
static inline CURLcode flinkctl_curl_setopt_blob_copy(CURL *h, CURLoption o, const void *data, size_t len) {
    struct curl_blob blob = { (void *)data, len, CURL_BLOB_COPY };
    return curl_easy_setopt(h, o, &blob);
}

// Whether this libcurl can do SPNEGO through GSS-API (CURLVERSION_NOW is a macro).
static inline int flinkctl_curl_has_spnego(void) {
    curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);
    return (d->features & CURL_VERSION_SPNEGO) && (d->features & CURL_VERSION_GSSAPI);
}

// Macros with casts that Swift does not import.
static const long flinkctl_curl_redir_post_all = CURL_REDIR_POST_ALL;
static const unsigned long flinkctl_curlauth_negotiate = CURLAUTH_NEGOTIATE;

#endif
