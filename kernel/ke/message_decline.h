/* kernel/ke/message_decline.h - a message-based ISR that declines its own device's interrupts.
 *
 * A level line is shared, so an ISR must return FALSE for an interrupt another device raised;
 * a message (MSI, MSI-X) is written by one device function to its own address and data, so an
 * interrupt on it was raised by the device whose driver connected it (learn.microsoft.com
 * "Introduction to Message-Signaled Interrupts": messages are not shared). A
 * KMESSAGE_SERVICE_ROUTINE that returns FALSE therefore does not recognise its own device's
 * interrupt: it reads the wrong register, or acknowledges the cause before looking at it. One
 * FALSE can be honest - the previous call already handled a cause whose message was still on its
 * way (a coalesced interrupt) - so irqlab counts declines in a row: KE_MESSAGE_DECLINE_LIMIT
 * interrupts on a message that its object's ISR declined and no other object on the vector
 * claimed (irqlab lets two sharers connect to one message), without a claim in between.
 *
 * Then: the object is reported once on the console (`irq: ... declined N interrupts in a row`)
 * and counted (ke_message_decline_reports; the per-object counts are the object's DeclineCount,
 * shown by `irq`). With `verifier=storm` it stops with 0xF2 HARDWARE_INTERRUPT_STORM, P1 = the
 * message ISR, P2 = its context, P3 = the interrupt object, P4 = 1 (one owner) or 2 (sharers).
 * Windows has no stop code for this case: 0xF2 is the one Windows gives for the same mistake on a
 * line - an interrupt its device raised that no ISR claims - and `storm` is the check for
 * unclaimed interrupts, so the choice keeps one rule in one place (docs/verifier.md).
 */
#ifndef IRQLAB_KE_MESSAGE_DECLINE_H
#define IRQLAB_KE_MESSAGE_DECLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ke/interrupt.h"

#define KE_MESSAGE_DECLINE_LIMIT 3u

/* The dispatcher, after walking a message vector's chain (chain lock held): `claimed` is whether
 * any ISR returned TRUE; `cpu` the processor it ran on. */
void ke_message_account(struct ke_vector *v, uint32_t cpu, bool claimed);
/* Objects reported since boot (tests, shell). */
uint64_t ke_message_decline_reports(void);

#endif
