/* kernel/io/io_tags.h - the pool tags the I/O manager allocates under (see kernel/mm/pool.h:
 * per-tag accounting is how tests prove that connect/disconnect and start/stop leak nothing). */
#ifndef IRQLAB_IO_TAGS_H
#define IRQLAB_IO_TAGS_H

#include "include/wdm.h"

#define IO_TAG_DEVICE IRQLAB_POOL_TAG("IoDv")    /* DEVICE_OBJECT + extension, DRIVER_OBJECT */
#define IO_TAG_RESOURCES IRQLAB_POOL_TAG("IoRs") /* raw + translated CM_RESOURCE_LISTs */
#define IO_TAG_INTERRUPT IRQLAB_POOL_TAG("IoIn") /* a connection: KINTERRUPTs + message table */

#endif
