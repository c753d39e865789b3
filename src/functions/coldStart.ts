/**
 * When this container began loading the function. Imported first by every entry point, so it is set before
 * wx-server-sdk loads: the platform's time limit may already be running while the bundle loads, so the first
 * call's deadline counts from here rather than from when `main` is called.
 */
export const loadStartedAt = Date.now();
