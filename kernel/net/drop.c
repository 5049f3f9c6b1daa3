/* kernel/net/drop.c - names and classes of the drop reasons (see drop.h). */
#include "kernel/net/drop.h"

#define NET_DROP_NAME_(id, name, cls) name,
static const char *const drop_names[NET_DROP_COUNT] = {"ok", NET_DROP_REASONS(NET_DROP_NAME_)};
#undef NET_DROP_NAME_

#define NET_DROP_CLASS_(id, name, cls) NET_CLASS_##cls,
static const unsigned char drop_classes[NET_DROP_COUNT] = {NET_CLASS_NONE, NET_DROP_REASONS(NET_DROP_CLASS_)};
#undef NET_DROP_CLASS_

const char *net_drop_name(enum net_drop reason) { return (unsigned)reason < NET_DROP_COUNT ? drop_names[reason] : "?"; }

enum net_drop_class net_drop_class(enum net_drop reason)
{
    return (unsigned)reason < NET_DROP_COUNT ? (enum net_drop_class)drop_classes[reason] : NET_CLASS_NONE;
}
