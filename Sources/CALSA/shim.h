#include <alsa/asoundlib.h>

// ALSA prints its own diagnostics to stderr through a variadic handler, which
// Swift cannot implement; install a silent one from C so users see only our errors.
static void wavenet_alsa_quiet_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

static inline void wavenet_alsa_silence_errors(void) {
    snd_lib_error_set_handler(wavenet_alsa_quiet_handler);
}
