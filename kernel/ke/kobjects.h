/* kernel/ke/kobjects.h - the kernel object types Windows stores in a dispatcher or control
 * object's Type byte (KOBJECTS, as the Windows debugger's `dt nt!_KOBJECTS` lists them). The
 * WDK does not give drivers these names; wdm.h's DPC_NORMAL (0) / DPC_THREADED (1) are
 * something else. */
#ifndef IRQLAB_KE_KOBJECTS_H
#define IRQLAB_KE_KOBJECTS_H

#define DpcObject 0x13
#define ThreadedDpcObject 0x18

#endif
