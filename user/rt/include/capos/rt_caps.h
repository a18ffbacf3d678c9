/*
 * rt_caps.h - runtime client for CapabilityManager: list and revoke the
 * caller's own capabilities (schema/capos.capnp, docs/transfer-modes.md).
 *
 * Both return 0 on success, a transport error (< 0) or RT_REFUSED(type)
 * (> 0) when the kernel answered with a CapException of that
 * ExceptionType.
 */
#ifndef CAPOS_RT_CAPS_H
#define CAPOS_RT_CAPS_H

#include <stdint.h>
#include <capos/capid.h>
#include <capos/rt_memory.h> /* RT_REFUSED */
#include <capos.capnp.h>

#define RT_IFACE_CAPABILITY_MANAGER CAPOS_CAPABILITY_MANAGER_INTERFACE_ID

/* The most entries one rt_caps_list can return: a full default table. */
#define RT_CAPS_LIST_MAX CAPOS_CAP_SLOTS_DEFAULT

/* One capability of the caller's table, as CapabilityManager.list says. */
struct rt_cap_info {
	capos_cap_t cap;
	enum capos_transfer_policy transfer;
	uint64_t interface_id;
};

/*
 * Lists the caller's live capabilities in slot order into out[0..*n).
 * When the table holds more than max (or RT_CAPS_LIST_MAX) of them:
 * CAPOS_E_BUFFER_TOO_SMALL with *n = how many it holds, out untouched.
 */
int rt_caps_list(capos_cap_t caps, struct rt_cap_info *out, uint32_t max,
                 uint32_t *n);

/*
 * Removes `cap` from the caller's table before returning (revoking the
 * `caps` cap itself is allowed). A stale or unknown CapId:
 * RT_REFUSED(CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT), nothing changed.
 */
int rt_caps_revoke(capos_cap_t caps, capos_cap_t cap);

#endif
