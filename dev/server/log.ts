import { redact, type Secrets } from './redact'

/**
 * The local server's log: one line per request when its answer is sent (or the client left), and
 * one line per delivery attempt to the destination. Lines hold the method, the path without its
 * query string, statuses, durations and error codes: never a body, a header, settings or a query,
 * and every known secret is redacted.
 *
 *   POST /v1/batch[1] trackEvent 503 4ms RETRYABLE_ERROR; retry 1 of 2 in 100ms
 *   POST /v1/batch[1] trackEvent 200 3ms
 *   POST /v1/batch 200 12ms 2 delivered, 1 dropped
 */
export type LogSink = (line: string) => void

export interface Logger {
  /** A request, answered with `status` (499: the client closed the connection first). */
  request(method: string, path: string, status: number, durationMs: number, note?: string): void
  /** One delivery attempt: `where` is the route (with `[i]` in a batch), `action` the action run or `-`. */
  delivery(where: string, action: string, status: number, durationMs: number, note?: string): void
}

export function createLogger(sink: LogSink, secrets: Secrets): Logger {
  const write = (parts: (string | undefined)[]) => sink(redact(parts.filter(Boolean).join(' '), secrets))
  return {
    request: (method, path, status, durationMs, note) =>
      write([method, path, String(status), `${Math.round(durationMs)}ms`, note]),
    delivery: (where, action, status, durationMs, note) =>
      write([where, action, String(status), `${Math.round(durationMs)}ms`, note])
  }
}
