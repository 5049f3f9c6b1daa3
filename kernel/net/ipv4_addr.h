/* kernel/net/ipv4_addr.h - IPv4 addresses: text form, classes, and an adapter's configuration.
 *
 * Addresses are host-order integers everywhere in the stack (10.0.2.15 is 0x0A00020F), so
 * comparisons and masks are plain C; the conversion to wire order happens in net_put32().
 * An adapter's configuration is address/netmask/gateway; the text form the command line uses
 * (`ip=10.0.2.15/24,gw=10.0.2.2`) is parsed and checked here, so the host tests cover it.
 * Pure code: also built on the host for the unit tests.
 */
#ifndef IRQLAB_NET_IPV4_ADDR_H
#define IRQLAB_NET_IPV4_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP_ADDR(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define IP_ADDR_ANY 0u
#define IP_ADDR_BROADCAST 0xFFFFFFFFu /* the limited broadcast 255.255.255.255 */
#define IP_ADDR_TEXT_LEN 16           /* "255.255.255.255" and its NUL */
#define IP_CONFIG_TEXT_LEN 40         /* "255.255.255.255/32,gw=255.255.255.255" and its NUL */

/* QEMU's user networking (slirp): guest 10.0.2.15, gateway and host alias 10.0.2.2, DNS
 * 10.0.2.3, on 10.0.2.0/24. Every `-netdev user` is its own private copy of that network. */
#define IP_DEFAULT_ADDRESS IP_ADDR(10, 0, 2, 15)
#define IP_DEFAULT_PREFIX 24
#define IP_DEFAULT_GATEWAY IP_ADDR(10, 0, 2, 2)

struct ip_config {
    uint32_t address; /* 0: unconfigured - the adapter answers nothing at the IP level */
    uint32_t netmask;
    uint32_t gateway; /* 0: none - only on-link destinations are reachable */
};

/* Strict dotted quad: four decimal numbers 0..255, no leading zeros ("010" could mean octal
 * to some parsers), nothing else. Reads exactly `len` characters. */
bool ip_addr_parse(const char *text, size_t len, uint32_t *out);
/* "10.0.2.15" into out (IP_ADDR_TEXT_LEN bytes); returns out. */
char *ip_addr_format(uint32_t addr, char *out);

/* /bits <-> netmask. ip_prefix_to_mask fails for bits > 32; ip_mask_to_prefix returns -1 for
 * a mask whose ones are not contiguous (255.0.255.0). */
bool ip_prefix_to_mask(unsigned bits, uint32_t *mask);
int ip_mask_to_prefix(uint32_t mask);

bool ip_addr_is_multicast(uint32_t addr); /* 224.0.0.0/4 */
bool ip_addr_is_reserved(uint32_t addr);  /* 240.0.0.0/4 (class E), limited broadcast included */
bool ip_addr_is_loopback(uint32_t addr);  /* 127.0.0.0/8 */
/* Is addr on the adapter's own subnet (deliverable without the gateway)? */
bool ip_addr_on_link(const struct ip_config *config, uint32_t addr);
/* The limited broadcast or the subnet's directed broadcast (RFC 919/922)? */
bool ip_addr_is_broadcast(const struct ip_config *config, uint32_t addr);

/* What an address is, seen from an adapter with this configuration. Only IP_KIND_HOST names
 * one host; the others name nobody (0.0.0.0), everybody (the broadcasts), a group, or this
 * machine's own loopback. The subnet's network and broadcast addresses (host part all zeros
 * or all ones, RFC 1122 §3.2.1.3 and RFC 922) exist only on subnets with at least two host
 * bits, as in ip_addr_is_broadcast; with an unconfigured adapter they cannot be told apart
 * from hosts. */
enum ip_addr_kind {
    IP_KIND_HOST,
    IP_KIND_UNSPECIFIED,       /* 0.0.0.0 */
    IP_KIND_LIMITED_BROADCAST, /* 255.255.255.255 */
    IP_KIND_SUBNET_BROADCAST,  /* 10.0.2.255 on 10.0.2.0/24 */
    IP_KIND_SUBNET_NETWORK,    /* 10.0.2.0 on 10.0.2.0/24 */
    IP_KIND_MULTICAST,         /* 224.0.0.0/4 */
    IP_KIND_RESERVED,          /* 240.0.0.0/4 except 255.255.255.255 */
    IP_KIND_LOOPBACK,          /* 127.0.0.0/8 */
};
enum ip_addr_kind ip_addr_classify(const struct ip_config *config, uint32_t addr);
/* For messages, at most 52 characters: "the broadcast address of the adapter's subnet", ... */
const char *ip_addr_kind_describe(enum ip_addr_kind kind);
/* ip_addr_classify(...) == IP_KIND_HOST: an address that may be learnt by ARP, answered,
 * or pinged. */
bool ip_addr_is_host(const struct ip_config *config, uint32_t addr);
/* May a datagram we accept come from `src`? RFC 1122 §3.2.1.3: only from a host address
 * (not a broadcast, network, multicast, class-E, loopback or unspecified address) - and never
 * from ourselves. Answering such sources is how smurf-style amplification and reply loops work. */
bool ip_source_is_valid(const struct ip_config *config, uint32_t src);

/* NULL if usable, otherwise why not ("gateway is not on the subnet", ...). The all-zero
 * configuration is valid and means "unconfigured". */
const char *ip_config_check(const struct ip_config *config);
/* Parse "none", or "<addr>[/<bits>][,gw=<addr>]" (bits default to 24, no gateway unless gw=
 * is given), then ip_config_check it. Returns NULL and fills *out on success; otherwise the
 * reason, and *out is untouched. */
const char *ip_config_parse(const char *text, struct ip_config *out);
/* The same text form ("none" when unconfigured) into out (IP_CONFIG_TEXT_LEN bytes). */
char *ip_config_format(const struct ip_config *config, char *out);
/* 10.0.2.15/24, gateway 10.0.2.2. */
void ip_config_default(struct ip_config *out);

#endif
