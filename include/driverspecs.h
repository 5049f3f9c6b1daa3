/* include/driverspecs.h - the driver-specific SAL annotations of the WDK (IRQL, function class,
 * lock use), as no-ops. See sal.h for why. irqlab checks IRQL rules at run time instead: the
 * routines stop with the codes Windows' Driver Verifier uses (docs/differences.md). Reference:
 * "IRQL annotations for drivers", "Annotating function behavior" (learn.microsoft.com).
 */
#ifndef IRQLAB_DRIVERSPECS_H
#define IRQLAB_DRIVERSPECS_H

#include "sal.h"

#define _IRQL_requires_(irql)
#define _IRQL_requires_min_(irql)
#define _IRQL_requires_max_(irql)
#define _IRQL_requires_same_
#define _IRQL_raises_(irql)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(kind, param)
#define _IRQL_restores_global_(kind, param)
#define _IRQL_always_function_min_(irql)
#define _IRQL_always_function_max_(irql)
#define _IRQL_is_cancel_
#define _IRQL_uses_cancel_
#define _Function_class_(name)
#define _Dispatch_type_(type)
#define _Kernel_requires_resource_held_(kind)
#define _Kernel_requires_resource_not_held_(kind)
#define _Kernel_clear_do_init_(yes_or_no)
#define _Requires_lock_held_(lock)
#define _Requires_lock_not_held_(lock)
#define _Acquires_lock_(lock)
#define _Releases_lock_(lock)
#define _Acquires_exclusive_lock_(lock)
#define _Releases_exclusive_lock_(lock)
#define _Guarded_by_(lock)
#define _Drv_aliasesMem_
#define _Drv_freesMem_(kind)
#define _Drv_allocatesMem_(kind)
#define __drv_aliasesMem
#define __drv_freesMem(kind)
#define __drv_allocatesMem(kind)
#define __drv_maxIRQL(irql)
#define __drv_minIRQL(irql)
#define __drv_requiresIRQL(irql)
#define __drv_setsIRQL(irql)
#define __drv_savesIRQL
#define __drv_restoresIRQL
#define __drv_dispatchType(type)
#define __drv_functionClass(name)

#endif
