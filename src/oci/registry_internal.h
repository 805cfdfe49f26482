/*
 * Pieces of the registry client that carry no network state, shared with
 * the unit tests: Retry-After, backoff, error mapping, the plain-HTTP rule.
 */
#ifndef OG_OCI_REGISTRY_INTERNAL_H
#define OG_OCI_REGISTRY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Parse a Retry-After value: delta-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to now. Sets *out_ms (0 for
 * a date in the past). Returns 0, or -1 when the value is neither.
 */
int og_registry__retry_after(uint64_t *out_ms, const char *value, time_t now);

/*
 * Full-jitter backoff: a delay in [0, min(max_ms, base_ms * 2^attempt)],
 * picked with rnd (any 64-bit random number). attempt counts from 0.
 */
uint64_t og_registry__backoff_ms(unsigned int attempt, unsigned int base_ms,
	unsigned int max_ms, uint64_t rnd);

/*
 * Map an HTTP error response to a return code and a registry.* finding id,
 * and describe it in msg ("HTTP 404 MANIFEST_UNKNOWN: manifest unknown", or
 * for a body that is not distribution error JSON its first 200 printable
 * bytes). Returns OG_ENOTFOUND, OG_EAUTH or OG_ENETWORK.
 */
int og_registry__map_status(const char **id, char *msg, size_t msg_len,
	long status, const char *body, size_t body_len);

/* 1 if plain HTTP may be tried for host ("localhost:5000", "127.0.0.2",
 * "[::1]:5000"): loopback names and addresses. */
int og_registry__is_loopback(const char *host);

#endif
