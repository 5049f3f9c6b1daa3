/* kernel/io/guids.c - the one place the system GUIDs of include/wdmguid.h are defined (what
 * wdmguid.lib is to a Windows driver). */
#include "include/initguid.h"
#include "include/wdmguid.h"
