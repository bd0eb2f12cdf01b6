import type { IncomingMessage, Server, ServerResponse } from 'http'
import definition from '../../src'
import { FULLSTORY_API_URL } from '../../src/api/client'
import { DEFAULT_HOST, DEFAULT_PORT, DEV_API_KEY, MONOREPO_DIRECTORY } from '../constants'
import { HttpError, readBody, sendJson, serve, target } from '../http'
import type { BodyLimits } from '../http'
import { pointedAt } from '../pointed'
import { CONTROL_ROUTES, startSimulator } from '../simulator'
import type { Simulator, SimulatorOptions } from '../simulator'
import { cleanMessage, redact, Runtime } from './runtime'
import { authenticate, deleteUser, refreshAccessToken, runAction } from './serve'
import {
  DEFAULT_RETRY,
  destinationNames,
  MESSAGE_TYPES,
  Receipts,
  SEGMENT_LIMITS,
  trackBatch,
  trackOne
} from './tracking'
import type { RetryPolicy } from './tracking'

/**
 * The local server behind `npm start` (dev/README.md): the destination over HTTP, on node:http.
 * Segment's HTTP Tracking API (tracking.ts), the routes of the CLI's `serve` (serve.ts) and the
 * simulator's routes, passed through; `GET /` lists them. Guards first: the request target must be a
 * path, the Host a loopback name (or HOST) with the port, the Origin (if any) Segment's app. One log
 * line per request when it is answered (499: the client left first), one per delivery attempt.
 *
 *   const server = await startServer({ port: 0, fullstoryUrl: sim.url, log: (line) => lines.push(line) })
 */
export interface ServerOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1 (loopback only). Requests must be addressed to a loopback name or to this. */
  host?: string
  /** A server already listening (npm start binds its port first), instead of `port`. */
  server?: Server
  /** The FullStory API key to deliver with: FullStory itself unless `fullstoryUrl` is given. */
  apiKey?: string
  /** Where FullStory's API is (a simulator); neither this nor `apiKey`: a simulator of its own. */
  fullstoryUrl?: string
  /** Options of that simulator. */
  simulator?: SimulatorOptions
  /** Gives up on FullStory's answer after this long (dev/pointed.ts), for tests. */
  timeoutMs?: number
  /** When set, /v1 routes require exactly this write key; otherwise any non-empty one. */
  writeKey?: string
  /** Where the log lines go (default: console.log). */
  log?: (line: string) => void
  /** How the tracking routes retry a retryable failure (default: 3 attempts, 100 ms then 400 ms apart). */
  retry?: Partial<RetryPolicy>
  /** How long a client may take to send a request body before it is answered 408 (default 30 s). */
  bodyTimeoutMs?: number
}

export interface RunningServer {
  url: string
  port: number
  /** The FullStory API base URL deliveries go to. */
  deliveryUrl: string
  target: 'own simulator' | 'FullStory' | 'given URL'
  /** The simulator the server started, if it did. */
  simulator?: Simulator
  /** Every route, as `GET /` lists them (`POST /v1/track`...). */
  routes: string[]
  /** Stops taking requests; those in flight get `graceMs` to finish; then its simulator stops. */
  close(graceMs?: number): Promise<void>
}

export interface Call {
  req: IncomingMessage
  path: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON object, checked by each route
  body: Record<string, any>
  raw?: Buffer
}
export interface Reply {
  status?: number
  body: unknown
  headers?: Record<string, string>
  /** Said at the end of the request's log line. */
  note?: string
}
export type Logger = (...parts: (string | undefined)[]) => void
/** What the routes share. */
export interface Context {
  runtime: Runtime
  log: Logger
  retry: RetryPolicy
  receipts: Receipts
  /** The names `integrations` may give this destination. */
  names: readonly string[]
  /** SEGMENT_WRITE_KEY, when set. */
  writeKey?: string
  deliveryUrl: string
}
type Route = [
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  what: string,
  run: (context: Context, call: Call) => Promise<Reply>,
  body?: BodyLimits & { json?: 'any type' | 'application/json' }
]

/** The origins the CLI's `serve` allows (CORS): Segment's app in each region, and its local build. */
export const SEGMENT_APP_ORIGINS = [
  'https://app.segment.com',
  'https://eu1.app.segment.com',
  'https://app.segment.build',
  'https://eu1.app.segment.build',
  'http://localhost:8000'
]

const CLIENT_LEFT = 'client closed the connection'
const NOT_A_PATH = 'Send the path alone (GET /simulator/events), not a URL: this server is no proxy.'
const HOSTS = 'This server answers only requests addressed to (HOST may add one): '
const ORIGINS = `Web pages are refused unless they are Segment's app (${SEGMENT_APP_ORIGINS.join(', ')}).`

/** The CORS answer to a preflight from Segment's app (the CLI's: the cors package's defaults). */
const preflight = (req: IncomingMessage) => ({
  'Access-Control-Allow-Methods': 'GET,HEAD,PUT,PATCH,POST,DELETE',
  'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '',
  'Access-Control-Max-Age': '600'
})

/** The `Host` values answered: each loopback name (and `host`, unless a wildcard) with `port`. */
export function allowedHosts(host: string, port: number): Set<string> {
  const bare = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  const loopback = ['localhost', '127.0.0.1', '[::1]']
  const names = ['0.0.0.0', '[::]'].includes(bare) ? loopback : [...new Set([...loopback, bare.toLowerCase()])]
  return new Set([...names.map((name) => `${name}:${port}`), ...(port === 80 ? names : [])])
}

function jsonObject(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8')
  if (!text.trim()) throw new HttpError(400, 'malformed_json', 'The body is empty; send a JSON object.')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `The body is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  throw new HttpError(400, 'invalid_body', 'The body must be a JSON object.')
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const { host = DEFAULT_HOST, apiKey = DEV_API_KEY, writeKey } = options
  const given = options.fullstoryUrl?.replace(/\/+$/, '')
  const keys = { [DEV_API_KEY]: 'ADMIN' as const }
  const simulator = given || options.apiKey ? undefined : await startSimulator({ keys, ...options.simulator })
  const deliveryUrl = given ?? simulator?.url ?? FULLSTORY_API_URL
  const kind = given ? 'given URL' : simulator ? 'own simulator' : 'FullStory'
  const pointed =
    given || simulator ? pointedAt(definition, { url: deliveryUrl, timeoutMs: options.timeoutMs }) : definition
  // the dev key is public (it is printed in examples); every other key is a secret
  const runtime = new Runtime(pointed, apiKey, [apiKey === DEV_API_KEY ? undefined : apiKey, writeKey])
  const sink = options.log ?? ((line) => console.log(line))
  const log: Logger = (...parts) => sink(redact(parts.filter(Boolean).join(' '), runtime.secrets()))
  const retry = { ...DEFAULT_RETRY, ...options.retry }
  const context = {
    runtime,
    log,
    retry,
    receipts: new Receipts(),
    names: destinationNames(definition),
    writeKey,
    deliveryUrl
  }
  const json = { limit: 4 * 1024 * 1024, json: 'application/json' as const }
  const [one, batch] = [SEGMENT_LIMITS.messageBytes, SEGMENT_LIMITS.batchBytes].map((limit) => ({
    limit,
    tooLargeStatus: 400,
    json: 'any type' as const
  }))
  const list = async () => {
    const listed = Object.fromEntries(routes.map(([method, path, what]) => [`${method} ${path}`, what]))
    return { body: { destination: definition.name, deliversTo: given ?? simulator?.url ?? kind, routes: listed } }
  }
  const manifest = async () => ({ body: { ...definition, directoryName: MONOREPO_DIRECTORY } })
  const routes: Route[] = [
    ['GET', '/', 'this list', list],
    ...MESSAGE_TYPES.map(
      (type): Route => ['POST', `/v1/${type}`, `Segment tracking API: one ${type} call`, trackOne, one]
    ),
    ['POST', '/v1/batch', 'Segment tracking API: {batch: [...]}', trackBatch, batch],
    ['GET', '/manifest', 'the destination definition', manifest],
    ['POST', '/authenticate', 'testAuthentication with the settings as the body', authenticate, json],
    ...Object.keys(definition.actions).map(
      (key): Route => ['POST', `/${key}`, `the ${key} action: {payload, settings, mapping?}`, runAction, json]
    ),
    ['POST', '/delete', 'onDelete: {payload: {userId}, settings}', deleteUser, json],
    ['POST', '/refreshAccessToken', 'OAuth token refresh (not used by this destination)', refreshAccessToken, json],
    ...(kind === 'FullStory' ? [] : CONTROL_ROUTES).map(
      (control): Route => [
        ...(control.split(' ') as ['GET', string]),
        "the simulator's",
        toSimulator,
        { limit: 64 * 1024 }
      ]
    )
  ]
  let hosts = new Set<string>()

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const url = target(req)
    let note: string | undefined
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : 499
      const ms = `${Math.round(performance.now() - started)}ms`
      log(req.method, url?.path ?? '(not a path)', String(status), ms, status === 499 ? CLIENT_LEFT : note)
    })
    try {
      if (!url) throw new HttpError(400, 'not_a_path', NOT_A_PATH)
      const listed = [...hosts].join(', ')
      if (!hosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(403, 'forbidden_host', HOSTS + listed)
      const { origin } = req.headers
      if (origin !== undefined && !SEGMENT_APP_ORIGINS.includes(origin))
        throw new HttpError(403, 'forbidden_origin', ORIGINS)
      if (origin) res.setHeader('Access-Control-Allow-Origin', origin).setHeader('Vary', 'Origin')
      if (req.method === 'OPTIONS') return void res.writeHead(204, preflight(req)).end()
      const here = routes.filter(([, path]) => path === url.path)
      const allowed = here.map(([method]) => method)
      const [, , , run, body] = here.find(([method]) => method === req.method) ?? []
      if (!run && here.length) {
        const message = `Use ${allowed.join(' or ')} for ${url.path}.`
        throw new HttpError(405, 'method_not_allowed', message, { Allow: allowed.join(', ') })
      }
      if (!run) throw new HttpError(404, 'not_found', `No route ${req.method} ${url.path}; GET / lists the routes.`)
      const timeoutMs = options.bodyTimeoutMs ?? 30_000
      const raw = body && (await readBody(req, { ...body, inflate: true, timeoutMs }))
      const type = req.headers['content-type']?.split(';')[0].trim().toLowerCase()
      if (body?.json === 'application/json' && type !== 'application/json') {
        throw new HttpError(
          415,
          'unsupported_media_type',
          'Send the body as JSON with "Content-Type: application/json".'
        )
      }
      const reply = await run(context, { req, path: url.path, body: raw && body?.json ? jsonObject(raw) : {}, raw })
      note = reply.note
      sendJson(res, reply.status ?? 200, reply.body, reply.headers)
    } catch (error) {
      const failure =
        error instanceof HttpError ? error : new HttpError(500, 'internal_error', `Failed: ${String(error)}`)
      note ??= failure.code
      // a body not read to its end: the connection cannot carry another request
      if (!req.complete) res.once('finish', () => req.socket.destroy()).setHeader('Connection', 'close')
      sendJson(res, failure.status, errorBody(failure), failure.headers)
    }
  }

  const errorBody = ({ code, message }: { code: string; message: string }) => ({
    error: { code, message: cleanMessage(message, runtime.secrets()) }
  })
  const where = { port: options.port ?? DEFAULT_PORT, host, server: options.server }
  const listening = await serve(handle, where, (error) =>
    errorBody({ code: 'internal_error', message: error.message })
  ).catch(async (error: Error) => {
    await simulator?.close()
    throw error
  })
  hosts = allowedHosts(host, listening.port)
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${listening.port}`,
    port: listening.port,
    deliveryUrl,
    target: kind,
    simulator,
    routes: routes.map(([method, path]) => `${method} ${path}`),
    async close(graceMs) {
      await listening.stop(graceMs)
      await simulator?.close() // what it still runs, no request waits for
    }
  }
}

/** A simulator route through the server: the same request to the simulator deliveries go to, its answer as it is. */
async function toSimulator({ deliveryUrl }: Context, { req, raw }: Call): Promise<Reply> {
  const init = {
    method: req.method,
    body: raw?.length ? raw : undefined,
    headers: { 'Content-Type': 'application/json' }
  }
  const response = await fetch(deliveryUrl + (req.url ?? ''), { ...init, signal: AbortSignal.timeout(10_000) }).catch(
    () => {
      throw new HttpError(502, 'simulator_unreachable', 'The simulator did not answer.')
    }
  )
  return { status: response.status, body: await response.text() }
}
