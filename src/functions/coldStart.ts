/**
 * When this container's process started, on the Date.now() clock: the earliest moment the runtime exposes
 * (process.uptime() counts from it, on Node 16.13 as on newer), and so the latest the platform's time limit can
 * have started counting for a container's first call, if it counts from the container's start (the local cloud's
 * function host counts from the fork). It does not depend on when this module loads.
 */
export const processStartedAt = Date.now() - process.uptime() * 1000;
