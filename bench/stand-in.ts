import { createServer, type IncomingMessage, type ServerResponse } from 'http'
import type { AddressInfo } from 'net'
import type { CapturedRequest, StandInStats } from './simulator-protocol'

/**
 * The stand-in FullStory of the timed runs: it accepts every request and answers each path as
 * FullStory (and the strict simulator in dev/simulator) answers a success there, with the same
 * status, headers and body shape: `POST /v2/users` -> `{"id": "..."}`, `POST /v2/events` -> `{}`, a
 * batch import job -> `{"job": {id, status: "PROCESSING", created}}`. Both destinations meet the
 * same answers, so neither is charged for the other's kind of answer.
 *
 * Why not the strict simulator itself: it refuses some of the published destination's requests
 * (property names that start with a digit, lists of objects), and an error answer costs the
 * destination a different amount of work than a success. The strict simulator checks our requests
 * in a pass of their own before the timed runs (see bench/run.ts).
 *
 * With `capture` on, it also keeps each request's method, path, headers and body, byte for byte
 * (for bench/compare.ts).
 */

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' }
/** Headers that differ between two runs of the same code: left out of the captured requests. */
const UNSTABLE_HEADERS = new Set(['host', 'connection', 'keep-alive'])

function successBody(method: string, path: string, n: number): string {
  if (method !== 'POST') return '{}'
  // Fixed-width ids, so that every answer of one route has the same length.
  const id = String(1_000_000 + n)
  if (path === '/v2/users') return `{"id":"${id}"}`
  if (path === '/v2/users/batch' || path === '/v2/events/batch') {
    return `{"job":{"id":"job-${id}","status":"PROCESSING","created":"2024-05-01T12:00:00.000Z"}}`
  }
  return '{}'
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export interface StandIn {
  url: string
  stats(): StandInStats
  captured(): CapturedRequest[]
  /** Forgets the counts and the captured requests; `capture` turns capturing on or off. */
  reset(capture: boolean): void
  close(): Promise<void>
}

export async function startStandIn(): Promise<StandIn> {
  let capture = false
  let captured: CapturedRequest[] = []
  let stats: StandInStats = { requests: 0, byPath: {}, bodyBytes: 0 }
  let n = 0

  const answer = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const method = req.method ?? 'GET'
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    stats.requests++
    stats.byPath[`${method} ${path}`] = (stats.byPath[`${method} ${path}`] ?? 0) + 1
    stats.bodyBytes += body.length
    if (capture) {
      const headers: Record<string, string> = {}
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i].toLowerCase()
        if (!UNSTABLE_HEADERS.has(name)) headers[name] = req.rawHeaders[i + 1]
      }
      captured.push({ method, path: url, headers, body: body.toString('utf8') })
    }
    const text = successBody(method, path, n++)
    res.writeHead(200, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(text) })
    res.end(text)
  }

  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => answer(req, res, body),
      () => res.destroy()
    )
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => stats,
    captured: () => captured,
    reset: (on) => {
      capture = on
      captured = []
      stats = { requests: 0, byPath: {}, bodyBytes: 0 }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
