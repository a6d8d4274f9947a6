#ifndef FLINKCTL_CKRB5_SHIM_H
#define FLINKCTL_CKRB5_SHIM_H

// MIT Kerberos and its GSS-API mechanism. Only the Kerberos module imports
// this; it owns every handle taken from these headers.
#include <krb5/krb5.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
// gss_acquire_cred_from and its credential store (MIT 1.11+): an acceptor
// credential bound to one keytab, without touching KRB5_KTNAME.
#include <gssapi/gssapi_ext.h>

// GSS_ERROR and GSS_C_NO_* are macros with casts, which Swift does not import.
static inline int flinkctl_gss_error(OM_uint32 major) {
    return GSS_ERROR(major) != 0;
}
static inline int flinkctl_gss_credentials_expired(OM_uint32 major) {
    return GSS_ROUTINE_ERROR(major) == GSS_S_CREDENTIALS_EXPIRED;
}

#endif
