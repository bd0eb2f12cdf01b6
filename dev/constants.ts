/**
 * The one API key of the local runtime: the simulator accepts it (with the Admin role) and the
 * destination sends it, unless `FULLSTORY_API_KEY` says to deliver to FullStory itself. It is a
 * made-up value that no FullStory org knows, so it is safe to show in examples.
 */
export const DEV_API_KEY = 'na1.simulator-dev-key'

/** The write key used in the printed example; the server accepts any non-empty one by default. */
export const EXAMPLE_WRITE_KEY = 'dev-write-key'

/** Where `npm start` listens unless `PORT` and `HOST` say otherwise: loopback only. */
export const DEFAULT_PORT = 3000
export const DEFAULT_HOST = '127.0.0.1'

/** The destination's folder in segmentio/action-destinations: what the CLI's `serve` calls `directoryName`. */
export const MONOREPO_DIRECTORY = 'fullstory'
