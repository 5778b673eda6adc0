/*
 * Logging for the I/O layers (signaling server, worker loops, main).
 * Pure protocol code (rtp/, codecs) never logs: it returns errors and counts.
 *
 * One line per event, to stderr: time, level, thread, message. Lines about a
 * participant start with "[peer pN session S]" so one grep follows a person.
 * Nothing above DEBUG on the per-packet path.
 */
#ifndef SFU_LOG_H
#define SFU_LOG_H

typedef enum {
    SFU_LOG_ERROR = 0,
    SFU_LOG_WARN = 1,
    SFU_LOG_INFO = 2,
    SFU_LOG_DEBUG = 3,
} sfu_log_level_t;

extern int sfu_log_threshold;

/* Parses "error", "warn", "info", "debug"; returns -1 for anything else. */
int sfu_log_level_from_string(const char *s);
const char *sfu_log_level_name(sfu_log_level_t level);

/* Names the calling thread in log lines ("main", "signaling", "worker-0"...). */
void sfu_log_set_thread_name(const char *name);

void sfu_log_write(sfu_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define SFU_LOG(level, ...)                                                    \
    do {                                                                       \
        if ((int)(level) <= sfu_log_threshold)                                 \
            sfu_log_write((level), __VA_ARGS__);                               \
    } while (0)

#define LOG_ERROR(...) SFU_LOG(SFU_LOG_ERROR, __VA_ARGS__)
#define LOG_WARN(...)  SFU_LOG(SFU_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...)  SFU_LOG(SFU_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) SFU_LOG(SFU_LOG_DEBUG, __VA_ARGS__)

#endif
