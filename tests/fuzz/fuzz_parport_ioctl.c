/* tests/fuzz/fuzz_parport_ioctl.c - the parallel port's internal IOCTL checks
 * (drivers/parport/parport_rules.c): any code, input and output buffer length and connect
 * switch. A code the port does not know is always STATUS_INVALID_DEVICE_REQUEST; success only
 * with both buffers at least the rule's sizes; a status is one of the four documented.
 * fuzz-sources: drivers/parport/parport_rules.c
 */
#include "tests/fuzz/fuzz.h"

#include "drivers/parport/parport_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    while (in.size) {
        ULONG code = (ULONG)fuzz_take(&in, 4);
        if (fuzz_take(&in, 1) & 1) /* often a real code's neighbourhood */
            code = 0x00160000u | (code & 0xFFu);
        ULONG input = (ULONG)fuzz_take(&in, 4), output = (ULONG)fuzz_take(&in, 4);
        BOOLEAN enabled = (BOOLEAN)(fuzz_take(&in, 1) & 1);
        NTSTATUS s = parport_check_request(code, input, output, enabled);
        const struct parport_request_rule *rule = parport_rule_for(code);
        FUZZ_CHECK(s == STATUS_SUCCESS || s == STATUS_INVALID_DEVICE_REQUEST || s == STATUS_UNSUCCESSFUL ||
                   s == STATUS_BUFFER_TOO_SMALL);
        if (!rule)
            FUZZ_CHECK(s == STATUS_INVALID_DEVICE_REQUEST);
        else if (s == STATUS_SUCCESS)
            FUZZ_CHECK(input >= rule->min_input && output >= rule->min_output && rule->code == code);
    }
    return 0;
}
