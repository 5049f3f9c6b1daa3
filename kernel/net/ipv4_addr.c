/* kernel/net/ipv4_addr.c - IPv4 addresses and adapter configuration.
 * RFC 791 §3.2 (addressing); RFC 1122 §3.2.1.3 (addresses a host must not accept as a
 * source); RFC 919/922 (broadcast); RFC 4632 §3.1 (prefix notation); RFC 5771 (multicast
 * 224/4) and RFC 1112 §4 (class E 240/4 reserved).
 */
#include "kernel/net/ipv4_addr.h"

#include "kernel/lib/string.h"

/* One decimal number of at most max_digits digits, no leading zero unless it is "0". */
static bool parse_decimal(const char *s, size_t len, unsigned max_digits, unsigned *out)
{
    if (len == 0 || len > max_digits || (len > 1 && s[0] == '0'))
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

bool ip_addr_parse(const char *text, size_t len, uint32_t *out)
{
    if (!text)
        return false;
    uint32_t addr = 0;
    size_t start = 0;
    for (unsigned part = 0; part < 4; part++) {
        size_t end = start;
        while (end < len && text[end] != '.')
            end++;
        if ((part < 3) != (end < len)) /* dots after parts 0-2 only, and nothing after part 3 */
            return false;
        unsigned v;
        if (!parse_decimal(text + start, end - start, 3, &v) || v > 255)
            return false;
        addr = addr << 8 | v;
        start = end + 1;
    }
    *out = addr;
    return true;
}

/* Append a decimal number; returns the new end. */
static char *put_decimal(char *p, unsigned v)
{
    char digits[10];
    unsigned n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = digits[--n];
    return p;
}

char *ip_addr_format(uint32_t addr, char *out)
{
    char *p = out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        p = put_decimal(p, (addr >> shift) & 0xFF);
        if (shift)
            *p++ = '.';
    }
    *p = '\0';
    return out;
}

bool ip_prefix_to_mask(unsigned bits, uint32_t *mask)
{
    if (bits > 32)
        return false;
    *mask = bits ? 0xFFFFFFFFu << (32 - bits) : 0; /* a shift by 32 would be undefined */
    return true;
}

int ip_mask_to_prefix(uint32_t mask)
{
    uint32_t host = ~mask;
    if (host & (host + 1)) /* the host part must be 0...01...1: adding 1 clears all its bits */
        return -1;
    int bits = 0;
    while (mask & 0x80000000u) {
        bits++;
        mask <<= 1;
    }
    return bits;
}

bool ip_addr_is_multicast(uint32_t addr) { return (addr >> 28) == 0xE; }
bool ip_addr_is_reserved(uint32_t addr) { return (addr >> 28) == 0xF; }
bool ip_addr_is_loopback(uint32_t addr) { return (addr >> 24) == 127; }

bool ip_addr_on_link(const struct ip_config *config, uint32_t addr)
{
    return config->address != 0 && (addr & config->netmask) == (config->address & config->netmask);
}

/* The directed broadcast only exists on subnets with a host part of at least 2 bits: on a /31
 * (RFC 3021) both addresses are hosts, and a /32 has no neighbours at all. */
static bool has_broadcast(const struct ip_config *config) { return (~config->netmask) > 1; }

bool ip_addr_is_broadcast(const struct ip_config *config, uint32_t addr)
{
    if (addr == IP_ADDR_BROADCAST)
        return true;
    return has_broadcast(config) && ip_addr_on_link(config, addr) && (addr & ~config->netmask) == ~config->netmask;
}

enum ip_addr_kind ip_addr_classify(const struct ip_config *config, uint32_t addr)
{
    if (addr == IP_ADDR_ANY)
        return IP_KIND_UNSPECIFIED;
    if (addr == IP_ADDR_BROADCAST)
        return IP_KIND_LIMITED_BROADCAST;
    if (ip_addr_is_loopback(addr))
        return IP_KIND_LOOPBACK;
    if (ip_addr_is_multicast(addr))
        return IP_KIND_MULTICAST;
    if (ip_addr_is_reserved(addr))
        return IP_KIND_RESERVED;
    if (has_broadcast(config) && ip_addr_on_link(config, addr)) {
        uint32_t host = addr & ~config->netmask;
        if (host == ~config->netmask)
            return IP_KIND_SUBNET_BROADCAST;
        if (host == 0)
            return IP_KIND_SUBNET_NETWORK;
    }
    return IP_KIND_HOST;
}

const char *ip_addr_kind_describe(enum ip_addr_kind kind)
{
    switch (kind) {
    case IP_KIND_HOST: return "a host address";
    case IP_KIND_UNSPECIFIED: return "the unspecified address (\"this host\")";
    case IP_KIND_LIMITED_BROADCAST: return "the limited broadcast address (every host on a link)";
    case IP_KIND_SUBNET_BROADCAST: return "the broadcast address of the adapter's subnet";
    case IP_KIND_SUBNET_NETWORK: return "the network address of the adapter's subnet";
    case IP_KIND_MULTICAST: return "a multicast group address (224.0.0.0/4)";
    case IP_KIND_RESERVED: return "a reserved class E address (240.0.0.0/4)";
    case IP_KIND_LOOPBACK: return "a loopback address (127.0.0.0/8)";
    }
    return "?";
}

bool ip_addr_is_host(const struct ip_config *config, uint32_t addr)
{
    return ip_addr_classify(config, addr) == IP_KIND_HOST;
}

bool ip_source_is_valid(const struct ip_config *config, uint32_t src)
{
    return ip_addr_is_host(config, src) && src != config->address;
}

/* A unicast address a host may own or route through: not 0, loopback, multicast or class E. */
static bool is_host_address(uint32_t addr)
{
    return addr != IP_ADDR_ANY && !ip_addr_is_loopback(addr) && !ip_addr_is_multicast(addr) &&
           !ip_addr_is_reserved(addr);
}

const char *ip_config_check(const struct ip_config *config)
{
    if (config->address == 0)
        return config->netmask || config->gateway ? "a netmask or gateway without an address" : NULL;
    if (!is_host_address(config->address))
        return "not a unicast host address";
    int bits = ip_mask_to_prefix(config->netmask);
    if (bits <= 0)
        return "netmask is not /1../32";
    if (has_broadcast(config)) {
        uint32_t host = config->address & ~config->netmask;
        if (host == 0 || host == ~config->netmask)
            return "address is the subnet's network or broadcast address";
    }
    if (config->gateway) {
        if (!is_host_address(config->gateway))
            return "gateway is not a unicast host address";
        if (config->gateway == config->address)
            return "gateway is the address itself";
        if (!ip_addr_on_link(config, config->gateway))
            return "gateway is not on the subnet";
        if (ip_addr_is_broadcast(config, config->gateway))
            return "gateway is the subnet's broadcast address";
    }
    return NULL;
}

const char *ip_config_parse(const char *text, struct ip_config *out)
{
    if (!text || !*text)
        return "empty value";
    if (!strcmp(text, "none")) {
        memset(out, 0, sizeof(*out));
        return NULL;
    }
    size_t len = strlen(text);
    const char *comma = strchr(text, ',');
    size_t addr_end = comma ? (size_t)(comma - text) : len;
    const char *slash = NULL;
    for (size_t i = 0; i < addr_end; i++)
        if (text[i] == '/')
            slash = text + i;

    struct ip_config c = {0};
    size_t addr_len = slash ? (size_t)(slash - text) : addr_end;
    if (!ip_addr_parse(text, addr_len, &c.address))
        return "address is not a dotted quad like 10.0.2.15";
    unsigned bits = IP_DEFAULT_PREFIX;
    if (slash && !parse_decimal(slash + 1, addr_end - addr_len - 1, 2, &bits))
        return "prefix length is not a number 1..32";
    if (!ip_prefix_to_mask(bits, &c.netmask))
        return "prefix length is not a number 1..32";
    if (comma) {
        const char *gw = comma + 1;
        if (strncmp(gw, "gw=", 3) != 0)
            return "expected ,gw=<address> after the address";
        if (!ip_addr_parse(gw + 3, len - (size_t)(gw + 3 - text), &c.gateway))
            return "gateway is not a dotted quad like 10.0.2.2";
    }
    if (c.address == 0)
        return "0.0.0.0 is not an address (use ip=none)";
    const char *why = ip_config_check(&c);
    if (why)
        return why;
    *out = c;
    return NULL;
}

char *ip_config_format(const struct ip_config *config, char *out)
{
    if (!config->address) {
        memcpy(out, "none", 5);
        return out;
    }
    char *p = out;
    ip_addr_format(config->address, p);
    p += strlen(p);
    *p++ = '/';
    int bits = ip_mask_to_prefix(config->netmask);
    p = put_decimal(p, bits < 0 ? 0 : (unsigned)bits);
    *p = '\0';
    if (config->gateway) {
        memcpy(p, ",gw=", 4);
        ip_addr_format(config->gateway, p + 4);
    }
    return out;
}

void ip_config_default(struct ip_config *out)
{
    out->address = IP_DEFAULT_ADDRESS;
    ip_prefix_to_mask(IP_DEFAULT_PREFIX, &out->netmask);
    out->gateway = IP_DEFAULT_GATEWAY;
}
