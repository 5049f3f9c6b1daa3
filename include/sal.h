/* include/sal.h - the source-code annotation language (SAL 2.0) of the WDK, as no-ops.
 *
 * Microsoft's samples annotate every parameter (_In_, _Out_opt_, ...) and every routine's IRQL
 * (_IRQL_requires_max_(DISPATCH_LEVEL)); the annotations feed the Code Analysis tool and the
 * Static Driver Verifier. gcc has neither, so here they expand to nothing: a driver written the
 * WDK way compiles unchanged, and the annotations stay as documentation. The IRQL ones live in
 * driverspecs.h, as in the WDK. Reference: "Using SAL Annotations to Reduce C/C++ Code Defects"
 * and "SAL 2.0 Annotations for Windows Drivers" (learn.microsoft.com).
 */
#ifndef IRQLAB_SAL_H
#define IRQLAB_SAL_H

/* Parameters. */
#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _In_reads_(size)
#define _In_reads_opt_(size)
#define _In_reads_bytes_(size)
#define _In_reads_bytes_opt_(size)
#define _Out_
#define _Out_opt_
#define _Out_writes_(size)
#define _Out_writes_opt_(size)
#define _Out_writes_bytes_(size)
#define _Out_writes_bytes_opt_(size)
#define _Out_writes_bytes_all_(size)
#define _Out_writes_to_(size, count)
#define _Inout_
#define _Inout_opt_
#define _Inout_updates_(size)
#define _Inout_updates_bytes_(size)
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Reserved_
#define _Printf_format_string_
#define _Notliteral_
#define _Interlocked_operand_
#define _Field_size_(size)
#define _Field_size_bytes_(size)
#define _Field_size_opt_(size)
#define _Field_range_(min, max)
#define _In_range_(min, max)
#define _Out_range_(min, max)
#define _Deref_out_range_(min, max)
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Post_writable_byte_size_(size)
#define _Post_maybenull_
#define _Pre_notnull_
#define _Strict_type_match_

/* Results and conditions. */
#define _Check_return_
#define _Must_inspect_result_
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Ret_range_(min, max)
#define _Success_(expr)
#define _Return_type_success_(expr)
#define _When_(expr, annotations)
#define _At_(target, annotations)
#define _Analysis_assume_(expr)
#define _Analysis_noreturn_
#define _Use_decl_annotations_

#endif
