#ifndef FLINKCTL_CKRB5_SHIM_H
#define FLINKCTL_CKRB5_SHIM_H

// MIT Kerberos and its GSS-API mechanism. The headers are plain C and need no
// wrappers yet; the Security module owns every handle taken from them.
#include <krb5/krb5.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#endif
