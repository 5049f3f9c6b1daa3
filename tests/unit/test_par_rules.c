/* tests/unit/test_par_rules.c - the parallel port's request validation (drivers/parport/
 * parport_rules.c): the IOCTL codes are the WDK's values, every request's buffer-length checks
 * give STATUS_BUFFER_TOO_SMALL exactly below the documented sizes, the order of the checks, the
 * connect switch, unknown codes, the IRQL each request needs and the Information of success.
 * unit-sources: drivers/parport/parport_rules.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h> /* after the headers it needs */

#include "drivers/parport/parport_rules.h"

#define ISR_IN ((ULONG)sizeof(PARALLEL_INTERRUPT_SERVICE_ROUTINE))
#define ISR_OUT ((ULONG)sizeof(PARALLEL_INTERRUPT_INFORMATION))

static void codes_are_the_wdk_values(void **state)
{
    (void)state;
    /* CTL_CODE(FILE_DEVICE_PARALLEL_PORT = 0x16, function, METHOD_BUFFERED, FILE_ANY_ACCESS). */
    assert_int_equal(IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, 0x0016002C);
    assert_int_equal(IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, 0x00160030);
    assert_int_equal(IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, 0x00160034);
    assert_int_equal(IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, 0x00160038);
    assert_int_equal(IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO, 0x0016003C);
    assert_int_equal(IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO, 0x00160044);
    assert_int_equal(IOCTL_INTERNAL_PARALLEL_PORT_FREE, 0x001600A0);
    assert_int_equal(DEVICE_TYPE_FROM_CTL_CODE(IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT), FILE_DEVICE_PARALLEL_PORT);
    assert_int_equal(METHOD_FROM_CTL_CODE(IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT), METHOD_BUFFERED);
    assert_int_equal(ISR_IN, 32);
    assert_int_equal(ISR_OUT, 32);
}

static void every_rule_is_a_buffered_parallel_code(void **state)
{
    (void)state;
    unsigned count;
    const struct parport_request_rule *rules = parport_rules(&count);
    assert_int_equal(count, 7);
    for (unsigned i = 0; i < count; i++) {
        assert_int_equal(DEVICE_TYPE_FROM_CTL_CODE(rules[i].code), FILE_DEVICE_PARALLEL_PORT);
        assert_int_equal(METHOD_FROM_CTL_CODE(rules[i].code), METHOD_BUFFERED);
        assert_ptr_equal(parport_rule_for(rules[i].code), &rules[i]);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(rules[i].code, rules[j].code);
    }
}

static void connect_needs_both_buffers(void **state)
{
    (void)state;
    ULONG code = IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT;
    assert_int_equal(parport_check_request(code, ISR_IN, ISR_OUT, TRUE), STATUS_SUCCESS);
    assert_int_equal(parport_check_request(code, ISR_IN + 8, ISR_OUT + 100, TRUE), STATUS_SUCCESS);
    assert_int_equal(parport_check_request(code, ISR_IN - 1, ISR_OUT, TRUE), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(code, ISR_IN, ISR_OUT - 1, TRUE), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(code, 0, 0, TRUE), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(code, 0, ISR_OUT, TRUE), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(code, ISR_IN, 0, TRUE), STATUS_BUFFER_TOO_SMALL);
    /* One field short: the old 32-bit layout's size is not enough either. */
    assert_int_equal(parport_check_request(code, 16, 16, TRUE), STATUS_BUFFER_TOO_SMALL);
}

static void connect_switch_is_checked_before_the_buffers(void **state)
{
    (void)state;
    ULONG code = IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT;
    /* Windows' EnableConnectInterruptIoctl = 0: STATUS_UNSUCCESSFUL, whatever the buffers. */
    assert_int_equal(parport_check_request(code, ISR_IN, ISR_OUT, FALSE), STATUS_UNSUCCESSFUL);
    assert_int_equal(parport_check_request(code, 0, 0, FALSE), STATUS_UNSUCCESSFUL);
    /* ... and only CONNECT: a client can still disconnect and use the port. */
    assert_int_equal(parport_check_request(IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, ISR_IN, 0, FALSE),
                     STATUS_SUCCESS);
    assert_int_equal(parport_check_request(IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, 0, 0, FALSE), STATUS_SUCCESS);
}

static void disconnect_needs_the_input_only(void **state)
{
    (void)state;
    ULONG code = IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT;
    assert_int_equal(parport_check_request(code, ISR_IN, 0, TRUE), STATUS_SUCCESS);
    assert_int_equal(parport_check_request(code, ISR_IN - 1, 0, TRUE), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(code, 0, 0, TRUE), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(code, 0, 1000, TRUE), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_rule_for(code)->information, 0); /* "The Information member is set to zero" */
}

static void port_info_needs_its_output(void **state)
{
    (void)state;
    ULONG info = sizeof(PARALLEL_PORT_INFORMATION), more = sizeof(MORE_PARALLEL_PORT_INFORMATION);
    assert_int_equal(parport_check_request(IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, 0, info, TRUE), STATUS_SUCCESS);
    assert_int_equal(parport_check_request(IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, 0, info - 1, TRUE),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, 100, 0, TRUE),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_check_request(IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO, 0, more, TRUE), STATUS_SUCCESS);
    assert_int_equal(parport_check_request(IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO, 0, more - 1, TRUE),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(parport_rule_for(IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO)->information, info);
    assert_int_equal(parport_rule_for(IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO)->information, more);
    assert_int_equal(parport_rule_for(IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT)->information, ISR_OUT);
}

static void requests_without_buffers_take_any_length(void **state)
{
    (void)state;
    ULONG codes[] = {IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, IOCTL_INTERNAL_PARALLEL_PORT_FREE,
                     IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO};
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(parport_check_request(codes[i], 0, 0, TRUE), STATUS_SUCCESS);
        assert_int_equal(parport_check_request(codes[i], 64, 64, TRUE), STATUS_SUCCESS);
        assert_int_equal(parport_rule_for(codes[i])->information, 0);
    }
}

static void unknown_codes_are_invalid_device_requests(void **state)
{
    (void)state;
    ULONG unknown[] = {0, CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 16, METHOD_BUFFERED, FILE_ANY_ACCESS),
                       CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 13, METHOD_NEITHER, FILE_ANY_ACCESS), /* method differs */
                       CTL_CODE(FILE_DEVICE_SERIAL_PORT, 13, METHOD_BUFFERED, FILE_ANY_ACCESS),  /* device differs */
                       IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT | (FILE_READ_ACCESS << 14)};
    for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_null(parport_rule_for(unknown[i]));
        assert_int_equal(parport_check_request(unknown[i], ISR_IN, ISR_OUT, TRUE), STATUS_INVALID_DEVICE_REQUEST);
        assert_int_equal(parport_check_request(unknown[i], 0, 0, FALSE), STATUS_INVALID_DEVICE_REQUEST);
    }
}

static void connect_and_disconnect_are_passive_level_only(void **state)
{
    (void)state;
    unsigned count;
    const struct parport_request_rule *rules = parport_rules(&count);
    for (unsigned i = 0; i < count; i++) {
        bool interrupt = rules[i].code == IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT ||
                         rules[i].code == IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT;
        assert_int_equal(rules[i].max_irql, interrupt ? PASSIVE_LEVEL : DISPATCH_LEVEL);
    }
}

/* QUERY_STOP / QUERY_REMOVE: refused while anything holds the port. */
static void query_remove_refused_while_the_port_is_held(void **state)
{
    (void)state;
    assert_int_equal(parport_check_query_remove(FALSE, 0, 0), STATUS_SUCCESS);
    assert_int_equal(parport_check_query_remove(TRUE, 0, 0), STATUS_DEVICE_BUSY);
    assert_int_equal(parport_check_query_remove(FALSE, 1, 0), STATUS_DEVICE_BUSY);
    assert_int_equal(parport_check_query_remove(FALSE, 0, 2), STATUS_DEVICE_BUSY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_are_the_wdk_values),
        cmocka_unit_test(every_rule_is_a_buffered_parallel_code),
        cmocka_unit_test(connect_needs_both_buffers),
        cmocka_unit_test(connect_switch_is_checked_before_the_buffers),
        cmocka_unit_test(disconnect_needs_the_input_only),
        cmocka_unit_test(port_info_needs_its_output),
        cmocka_unit_test(requests_without_buffers_take_any_length),
        cmocka_unit_test(unknown_codes_are_invalid_device_requests),
        cmocka_unit_test(connect_and_disconnect_are_passive_level_only),
        cmocka_unit_test(query_remove_refused_while_the_port_is_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
