/* kernel/net/icmp.h - ICMP echo request and echo reply (RFC 792), the messages of `ping`.
 *
 * Only echo is implemented. Other ICMP messages (destination unreachable, time exceeded, ...)
 * are parsed far enough to be counted and dropped: this host sends nothing that could provoke
 * them except pings, whose failure shows up as a timeout. Pure code: also built on the host.
 */
#ifndef IRQLAB_NET_ICMP_H
#define IRQLAB_NET_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/net/drop.h"

#define ICMP_HEADER_LEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

struct icmp_echo {
    uint8_t type; /* ICMP_ECHO_REQUEST or ICMP_ECHO_REPLY */
    uint16_t id;  /* identifier and sequence number: chosen by the pinger, echoed unchanged */
    uint16_t seq;
    const uint8_t *data; /* the echo payload, pointer into the caller's buffer */
    size_t data_len;
};

/* `data`/`len` is the whole ICMP message (the IP payload). Checks: fewer than 8 bytes
 * (NET_DROP_ICMP_TRUNCATED); checksum over the whole message (NET_DROP_ICMP_BAD_CHECKSUM);
 * anything but echo request/reply with code 0 (NET_DROP_ICMP_UNSUPPORTED). */
enum net_drop icmp_parse_echo(const void *data, size_t len, struct icmp_echo *out);
/* Write an echo message of `type` with `data_len` bytes of payload copied from `data` (which
 * may overlap out, e.g. already be in place at out + 8). Returns 8 + data_len, or 0 if it does
 * not fit in cap. */
size_t icmp_build_echo(uint8_t *out, size_t cap, uint8_t type, uint16_t id, uint16_t seq, const void *data,
                       size_t data_len);

#endif
