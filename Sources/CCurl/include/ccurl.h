#ifndef FLINKCTL_CCURL_H
#define FLINKCTL_CCURL_H

// libcurl, loaded with dlopen on first use rather than linked: a command that
// makes no HTTP request through it (keystore generation, the embedded
// cluster's daemon, plain-HTTP calls that HTTPTransport makes itself) does
// not load libcurl and the twenty libraries it depends on at every start.
// <curl/curl.h> supplies the types and constants only.
#include <curl/curl.h>
#include <stddef.h>

// Loads libcurl.so.4 and resolves the functions below, once. Returns 1 when
// they are usable; otherwise 0, with dlerror's words in `error`.
int flinkctl_curl_load(char *error, size_t size);

CURL *flinkctl_curl_easy_init(void);
void flinkctl_curl_easy_cleanup(CURL *h);
void flinkctl_curl_easy_reset(CURL *h);
CURLcode flinkctl_curl_easy_perform(CURL *h);
const char *flinkctl_curl_easy_strerror(CURLcode code);
struct curl_slist *flinkctl_curl_slist_append(struct curl_slist *list, const char *s);
void flinkctl_curl_slist_free_all(struct curl_slist *list);
const char *flinkctl_curl_version(void);

// curl_easy_setopt and curl_easy_getinfo are variadic, and Swift cannot call C
// variadic functions. Each wrapper below fixes the type of the third argument,
// so the Swift side picks the one that matches the option's documented type.
CURLcode flinkctl_curl_setopt_long(CURL *h, CURLoption o, long v);
CURLcode flinkctl_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v);
CURLcode flinkctl_curl_setopt_string(CURL *h, CURLoption o, const char *v);
CURLcode flinkctl_curl_setopt_pointer(CURL *h, CURLoption o, void *v);
typedef size_t (*flinkctl_curl_data_callback)(char *, size_t, size_t, void *);
CURLcode flinkctl_curl_setopt_data_callback(CURL *h, CURLoption o, flinkctl_curl_data_callback v);
CURLcode flinkctl_curl_getinfo_long(CURL *h, CURLINFO i, long *v);
CURLcode flinkctl_curl_getinfo_string(CURL *h, CURLINFO i, char **v);
CURLcode flinkctl_curl_getinfo_double(CURL *h, CURLINFO i, double *v);

// Blob options (CURLOPT_CAINFO_BLOB): libcurl copies the bytes, so the caller's
// buffer need only live for the call.
CURLcode flinkctl_curl_setopt_blob_copy(CURL *h, CURLoption o, const void *data, size_t len);

// Whether this libcurl can do SPNEGO through GSS-API.
int flinkctl_curl_has_spnego(void);

// Macros with casts that Swift does not import.
static const long flinkctl_curl_redir_post_all = CURL_REDIR_POST_ALL;
static const unsigned long flinkctl_curlauth_negotiate = CURLAUTH_NEGOTIATE;

#endif
