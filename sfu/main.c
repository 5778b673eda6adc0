/*
 * switchboard: the composition root. Reads the configuration, starts the
 * media workers and the signaling thread, then waits for SIGINT/SIGTERM and
 * shuts everything down in order: signaling first (participants are told),
 * then the workers. Exit 0 on a clean stop, 1 if start-up failed, 2 for a bad
 * setting.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfu/config.h"
#include "sfu/log.h"
#include "sfu/worker.h"
#include "signaling/server.h"

static int is_dir_with_index(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/index.html", dir);
    return access(path, R_OK) == 0;
}

/*
 * Default web root: web-demo/ in the source tree when run from a build
 * directory (build/switchboard -> ../web-demo), or next to the binary when
 * installed (/app/switchboard -> /app/web-demo), or ./web-demo.
 */
static int find_web_root(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *candidates[] = {"/../web-demo", "/web-demo", "/../share/switchboard/web-demo"};
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s%s", exe, candidates[i]);
            if (is_dir_with_index(dir) && realpath(dir, out))
                return 0;
        }
    }
    if (is_dir_with_index("web-demo") && realpath("web-demo", out))
        return 0;
    (void)cap;
    return -1;
}

static int resolve_web_root(sfu_config_t *cfg)
{
    char resolved[PATH_MAX];
    if (cfg->web_root[0] == '\0') {
        if (find_web_root(resolved, sizeof resolved) != 0) {
            LOG_ERROR("no web root found; pass --web-root DIR (the repo's web-demo/)");
            return -1;
        }
    } else if (!realpath(cfg->web_root, resolved) || !is_dir_with_index(resolved)) {
        LOG_ERROR("--web-root %s: not a directory holding index.html", cfg->web_root);
        return -1;
    }
    snprintf(cfg->web_root, sizeof cfg->web_root, "%s", resolved);
    return 0;
}

static int wait_for_stop_signal(void)
{
    sigset_t set;
    int sig = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigwait(&set, &sig);
    return sig;
}

int main(int argc, char **argv)
{
    sfu_config_t cfg;
    sfu_config_defaults(&cfg);
    int rc = sfu_config_load(&cfg, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    sfu_log_threshold = sfu_log_level_from_string(cfg.log_level);
    if (resolve_web_root(&cfg) != 0)
        return 2;

    /* Block the stop signals in every thread; main takes them with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    int workers = cfg.workers > 0 ? cfg.workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (workers < 1)
        workers = 1;
    sfu_worker_pool_t *pool = sfu_worker_pool_create(workers);
    if (!pool) {
        LOG_ERROR("cannot start %d media worker threads", workers);
        return 1;
    }
    sig_server_t *srv = sig_server_create(&cfg, pool);
    if (!srv || sig_server_start(srv) != 0) {
        sig_server_destroy(srv);
        sfu_worker_pool_destroy(pool);
        return 1;
    }
    LOG_INFO("switchboard started: %d media workers, open http://%s:%d/", workers,
             strcmp(cfg.listen_host, "0.0.0.0") == 0 ? "localhost" : cfg.listen_host,
             cfg.listen_port);

    int sig = wait_for_stop_signal();
    LOG_INFO("%s received; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sig_server_request_stop(srv);
    sig_server_destroy(srv);
    sfu_worker_pool_destroy(pool);
    LOG_INFO("stopped cleanly");
    return 0;
}
