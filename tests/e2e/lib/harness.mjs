// One call to get what most browser tests need: a private namespace, the
// server in it, and chromium in it, torn down together (in reverse order,
// each step bounded, errors collected rather than thrown halfway).
import { createNetns } from './netns.mjs';
import { startServer } from './server.mjs';
import { launchBrowser } from './browser.mjs';

export { createNetns, cleanupStale } from './netns.mjs';
export { startServer } from './server.mjs';
export { launchBrowser, collectConsole, screenshot, waitForCount, withTimeout, artifactsDir } from './browser.mjs';

// Options:
//   serverArgs   extra switchboard flags (e.g. ['--grace-period', '2'])
//   browser      launch chromium too (default true)
//   browserArgs  extra chromium switches
// Resolves { ns, server, browser, teardown() }. teardown() closes the browser,
// stops the server if it still runs (SIGTERM; its result is teardown's
// return value as serverExit), destroys the namespace. Safe to call twice.
export async function startEnv({ serverArgs = [], browser: wantBrowser = true, browserArgs = [] } = {}) {
  const env = { ns: null, server: null, browser: null };
  let tornDown = false;
  env.teardown = async () => {
    if (tornDown) return { serverExit: null };
    tornDown = true;
    let serverExit = null;
    if (env.browser) await env.browser.close().catch(() => {});
    if (env.server && env.server.running) {
      serverExit = await env.server.stop().catch((e) => ({ code: null, signal: null, error: e.message }));
    }
    if (env.ns) await env.ns.destroy().catch(() => env.ns.destroySync());
    return { serverExit };
  };
  try {
    env.ns = await createNetns();
    env.server = await startServer(env.ns, { args: serverArgs });
    if (wantBrowser) env.browser = await launchBrowser(env.ns, { secureOrigins: [env.server.origin], args: browserArgs });
  } catch (e) {
    await env.teardown();
    throw e;
  }
  return env;
}
