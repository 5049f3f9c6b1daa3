/* kernel/mm/pool_verify.c - see pool_verify.h. */
#include "kernel/mm/pool_verify.h"

#include "kernel/boot/cmdline.h"
#include "kernel/ke/rawlock.h"
#include "kernel/ke/verifier.h"

CMDLINE_OPTION(verifier_lowres_tag, "<tag>",
               "verifier=lowres: the pool tag whose allocations fail at random, as `pool` shows it (e.g. IntR)");
CMDLINE_OPTION_CHECKED(verifier_lowres_rate, "<n>", "verifier=lowres: about 1 in n allocations fails (default 4)",
                       cmdline_check_number);
CMDLINE_OPTION_CHECKED(verifier_seed, "<n>", "verifier=lowres: the random seed (default 1): same seed, same failures",
                       cmdline_check_number);

static struct pool_verify_settings settings;
static uint64_t state; /* xorshift64 (Marsaglia, "Xorshift RNGs", 2003) */
static volatile bool settings_read;
static raw_lock_t lock = RAW_LOCK_INIT;

/* The tag as `pool` prints it: first character = lowest byte. */
static uint32_t tag_from_text(const char *text)
{
    uint32_t tag = 0;
    for (int i = 0; i < 4 && text && text[i]; i++)
        tag |= (uint32_t)(uint8_t)text[i] << (8 * i);
    return tag;
}

static void seed(uint64_t s)
{
    settings.seed = s;
    state = s ? s : 0x9E3779B97F4A7C15ull; /* xorshift must not start at 0 */
}

/* The option's number, or `otherwise` (absent or bad: cmdline_init warned already). */
static unsigned long number(const char *name, unsigned long otherwise)
{
    unsigned long n;
    const char *text = cmdline_get(name);
    return text && cmdline_parse_number(text, &n) ? n : otherwise;
}

static void read_settings(void)
{
    if (settings_read)
        return;
    settings.fail_tag = tag_from_text(cmdline_get("verifier_lowres_tag"));
    settings.fail_one_in = (uint32_t)number("verifier_lowres_rate", 4);
    if (!settings.fail_one_in)
        settings.fail_one_in = 1;
    seed(number("verifier_seed", 1));
    settings_read = true;
}

struct pool_verify_settings pool_verify_settings(void)
{
    uint64_t flags = raw_lock_acquire(&lock);
    read_settings();
    struct pool_verify_settings copy = settings;
    raw_lock_release(&lock, flags);
    return copy;
}

void pool_verify_set_lowres(uint32_t tag, uint32_t one_in, uint64_t s)
{
    uint64_t flags = raw_lock_acquire(&lock);
    read_settings();
    settings.fail_tag = tag;
    settings.fail_one_in = one_in ? one_in : 1;
    seed(s);
    raw_lock_release(&lock, flags);
}

bool pool_verify_should_fail(uint32_t tag)
{
    if (!ke_verifier_on(KE_VERIFY_LOWRES))
        return false;
    uint64_t flags = raw_lock_acquire(&lock);
    read_settings();
    bool fail = false;
    if (settings.fail_tag && tag == settings.fail_tag) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        fail = state % settings.fail_one_in == 0;
    }
    raw_lock_release(&lock, flags);
    if (fail)
        ke_verifier_count(KE_VERIFY_LOWRES);
    return fail;
}
