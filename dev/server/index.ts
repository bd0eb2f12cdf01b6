import type { IncomingMessage, Server, ServerResponse } from 'http'
import definition from '../../src'
import { FULLSTORY_API_URL } from '../../src/api/client'
import { DEFAULT_HOST, DEFAULT_PORT, DEV_API_KEY, MONOREPO_DIRECTORY } from '../constants'
import { HttpError, readBody, sendJson, serve, target } from '../http'
import type { BodyLimits, Listening } from '../http'
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
  /** Stops taking requests; those in flight get `graceMs` to finish, then the simulator stops too. */
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
interface Route {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  what: string
  body?: BodyLimits & { json?: 'any type' | 'application/json' }
  run(call: Call): Promise<Reply>
}

/** The origins the CLI's `serve` allows (CORS): Segment's app in each region, and its local build. */
export const SEGMENT_APP_ORIGINS = [
  'https://app.segment.com',
  'https://eu1.app.segment.com',
  'https://app.segment.build',
  'https://eu1.app.segment.build',
  'http://localhost:8000'
]

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
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_body', 'The body must be a JSON object.')
  }
  return value as Record<string, unknown>
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const given = options.fullstoryUrl?.replace(/\/+$/, '')
  const simulator =
    given || options.apiKey
      ? undefined
      : await startSimulator({ keys: { [DEV_API_KEY]: 'ADMIN' }, ...options.simulator })
  const deliveryUrl = given ?? simulator?.url ?? FULLSTORY_API_URL
  const kind = given ? 'given URL' : simulator ? 'own simulator' : 'FullStory'
  const apiKey = options.apiKey ?? DEV_API_KEY
  const pointed =
    kind === 'FullStory' ? definition : pointedAt(definition, { url: deliveryUrl, timeoutMs: options.timeoutMs })
  // the dev key is public (it is printed in examples); every other key is a secret
  const runtime = new Runtime(pointed, apiKey, [apiKey === DEV_API_KEY ? undefined : apiKey, options.writeKey])
  const sink = options.log ?? ((line) => console.log(line))
  const log: Logger = (...parts) => sink(redact(parts.filter(Boolean).join(' '), runtime.secrets()))
  const tracking = {
    runtime,
    log,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    receipts: new Receipts(),
    names: destinationNames(definition),
    writeKey: options.writeKey
  }
  const json = { limit: 4 * 1024 * 1024, json: 'application/json' as const }
  const segment = (limit: number) => ({ limit, tooLargeStatus: 400, json: 'any type' as const })
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/',
      what: 'this list',
      run: async () => ({
        body: {
          destination: definition.name,
          deliversTo: kind === 'FullStory' ? kind : deliveryUrl,
          routes: Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, r.what]))
        }
      })
    },
    ...MESSAGE_TYPES.map(
      (type): Route => ({
        method: 'POST',
        path: `/v1/${type}`,
        what: `Segment tracking API: one ${type} call`,
        body: segment(SEGMENT_LIMITS.messageBytes),
        run: (call) => trackOne(tracking, type, call)
      })
    ),
    {
      method: 'POST',
      path: '/v1/batch',
      what: 'Segment tracking API: {batch: [...]}',
      body: segment(SEGMENT_LIMITS.batchBytes),
      run: (call) => trackBatch(tracking, call)
    },
    {
      method: 'GET',
      path: '/manifest',
      what: 'the destination definition',
      run: async () => ({ body: { ...definition, directoryName: MONOREPO_DIRECTORY } })
    },
    {
      method: 'POST',
      path: '/authenticate',
      what: 'testAuthentication with the settings as the body',
      body: json,
      run: (call) => authenticate(runtime, call)
    },
    ...Object.keys(definition.actions).map(
      (key): Route => ({
        method: 'POST',
        path: `/${key}`,
        what: `the ${key} action: {payload, settings, mapping?}`,
        body: json,
        run: (call) => runAction(runtime, key, log, call)
      })
    ),
    {
      method: 'POST',
      path: '/delete',
      what: 'onDelete: {payload: {userId}, settings}',
      body: json,
      run: (call) => deleteUser(runtime, call)
    },
    {
      method: 'POST',
      path: '/refreshAccessToken',
      what: 'OAuth token refresh (not used by this destination)',
      body: json,
      run: (call) => refreshAccessToken(runtime, call)
    }
  ]
  if (kind !== 'FullStory') {
    for (const route of CONTROL_ROUTES) {
      const [method, path] = route.split(' ') as [Route['method'], string]
      routes.push({
        method,
        path,
        what: "the simulator's",
        body: { limit: 64 * 1024 },
        run: (call) => toSimulator(deliveryUrl, call)
      })
    }
  }
  let hosts = new Set<string>()

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const url = target(req)
    let note: string | undefined
    const logRequest = () => {
      const status = res.writableFinished ? res.statusCode : 499
      log(
        req.method,
        url?.path ?? '(not a path)',
        String(status),
        `${Math.round(performance.now() - started)}ms`,
        status === 499 ? 'client closed the connection' : note
      )
    }
    res.once('close', logRequest)
    try {
      if (!url)
        throw new HttpError(
          400,
          'not_a_path',
          'Send the path alone (GET /simulator/events), not a full URL: this server is no proxy.'
        )
      if (!hosts.has((req.headers.host ?? '').toLowerCase())) {
        throw new HttpError(
          403,
          'forbidden_host',
          `This server answers only requests addressed to ${[...hosts].join(', ')} (set HOST to serve another name).`
        )
      }
      const { origin } = req.headers
      if (origin !== undefined && !SEGMENT_APP_ORIGINS.includes(origin)) {
        throw new HttpError(
          403,
          'forbidden_origin',
          `Requests from web pages are refused unless they come from Segment's app (${SEGMENT_APP_ORIGINS.join(', ')}).`
        )
      }
      if (origin) res.setHeader('Access-Control-Allow-Origin', origin).setHeader('Vary', 'Origin')
      if (req.method === 'OPTIONS') {
        res
          .setHeader('Access-Control-Allow-Methods', 'GET,HEAD,PUT,PATCH,POST,DELETE')
          .setHeader('Access-Control-Max-Age', '600')
        res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '')
        return void res.writeHead(204).end()
      }
      const here = routes.filter((route) => route.path === url.path)
      const route = here.find((candidate) => candidate.method === req.method)
      if (!route && here.length) {
        const allowed = here.map((candidate) => candidate.method).join(', ')
        throw new HttpError(405, 'method_not_allowed', `Use ${allowed.replace(', ', ' or ')} for ${url.path}.`, {
          Allow: allowed
        })
      }
      if (!route) throw new HttpError(404, 'not_found', `No route ${req.method} ${url.path}; GET / lists the routes.`)
      const raw =
        route.body &&
        (await readBody(req, { ...route.body, inflate: true, timeoutMs: options.bodyTimeoutMs ?? 30_000 }))
      const type = req.headers['content-type']?.split(';')[0].trim().toLowerCase()
      if (route.body?.json === 'application/json' && type !== 'application/json') {
        throw new HttpError(
          415,
          'unsupported_media_type',
          'Send the body as JSON with "Content-Type: application/json".'
        )
      }
      const body = raw && route.body?.json ? jsonObject(raw) : {}
      const reply = await route.run({ req, path: url.path, body, raw })
      note = reply.note
      sendJson(res, reply.status ?? 200, reply.body, reply.headers)
    } catch (error) {
      const failure =
        error instanceof HttpError
          ? error
          : new HttpError(
              500,
              'internal_error',
              `The local server failed: ${String((error as Error)?.message ?? error)}`
            )
      note ??= failure.code
      // a body not read to its end: the connection cannot carry another request
      if (!req.complete) res.once('finish', () => req.socket.destroy()).setHeader('Connection', 'close')
      sendJson(
        res,
        failure.status,
        { error: { code: failure.code, message: cleanMessage(failure.message, runtime.secrets()) } },
        failure.headers
      )
    }
  }

  const failed = (error: Error) => ({
    error: { code: 'internal_error', message: cleanMessage(error.message, runtime.secrets()) }
  })
  let listening: Listening
  try {
    listening = await serve(handle, { port: options.port ?? DEFAULT_PORT, host, server: options.server }, failed)
  } catch (error) {
    await simulator?.close()
    throw error
  }
  hosts = allowedHosts(host, listening.port)
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${listening.port}`,
    port: listening.port,
    deliveryUrl,
    target: kind,
    simulator,
    routes: routes.map(({ method, path }) => `${method} ${path}`),
    async close(graceMs) {
      await listening.stop(graceMs)
      await simulator?.close(graceMs)
    }
  }
}

/** A simulator route through the server: the same request to the simulator deliveries go to, its answer as it is. */
async function toSimulator(simulatorUrl: string, { req, raw }: Call): Promise<Reply> {
  try {
    const init = { method: req.method, body: raw?.length ? raw : undefined, signal: AbortSignal.timeout(10_000) }
    const response = await fetch(simulatorUrl + (req.url ?? ''), {
      ...init,
      headers: { 'Content-Type': 'application/json' }
    })
    return { status: response.status, body: await response.text() }
  } catch {
    throw new HttpError(502, 'simulator_unreachable', 'The simulator did not answer.')
  }
}
