import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'http'
import type { AddressInfo } from 'net'
import { Destination } from '@segment/actions-core'
import definition from '../../src'
import type { Settings } from '../../src/generated-types'
import { FULLSTORY_API_URL } from '../../src/fullstory/api'
import { DEFAULT_PORT, DEV_API_KEY } from '../constants'
import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator'
import { actionKeys, runAction, runDelete, testAuthentication, type ActionRuntime } from './actions'
import { fromDestinationError } from './errors'
import { HttpError, readJsonObject, sendError, sendJson } from './http'
import { formatDelivery, type LogSink } from './log'
import {
  completeMessage,
  deliverMessage,
  MESSAGE_TYPES,
  presetSubscriptions,
  SEGMENT_LIMITS,
  writeKeyOf,
  type DeliveryOutcome
} from './tracking'

/**
 * The local server behind `npm start`: the destination over HTTP.
 *
 * Routes:
 *   POST /v1/identify, /v1/track, /v1/page (+ screen, group, alias)   Segment HTTP Tracking API
 *   POST /v1/batch                                                   `{"batch": [...]}`
 *   POST /<actionKey>, /authentication, /delete                      as `./bin/run serve` (actions.ts)
 *   GET  /simulator/users|events|jobs|requests                       the simulator's records (when
 *                                                                    delivering to a simulator)
 *   GET  /                                                           what this server is and does
 *
 * Where it delivers: `fullstoryUrl` when given (with `apiKey`, else the dev key); else FullStory
 * itself when `apiKey` is given; else a simulator it starts on an ephemeral port, which accepts the
 * dev key. It points the destination there through `FULLSTORY_API_URL` (src/fullstory/api.ts), a
 * process-wide variable: run one server per process.
 *
 * Every bad input gets a 4xx `{error: {code, message}}` and the server keeps serving. Body limits:
 * 32 KB for single tracking calls and 500 KB for /v1/batch (Segment's own), 4 MiB for action routes
 * (Segment's default batch size in bytes).
 */
export interface ServerOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1 (loopback only). */
  host?: string
  /** The FullStory API key to deliver with. */
  apiKey?: string
  /** Where FullStory's API is (a simulator or a proxy). */
  fullstoryUrl?: string
  /** When set, /v1 routes require exactly this write key; otherwise any non-empty one. */
  writeKey?: string
  /** Where the log lines go (default: console.log). */
  log?: LogSink
  /** Options of the simulator the server starts when it delivers to one of its own. */
  simulator?: SimulatorOptions
}

export interface RunningServer {
  url: string
  port: number
  /** The FullStory API base URL deliveries go to. */
  deliveryUrl: string
  target: 'own simulator' | 'FullStory' | 'given URL'
  /** The simulator the server started, if it did. */
  simulator?: Simulator
  close(): Promise<void>
}

export const BODY_LIMITS = {
  tracking: SEGMENT_LIMITS.messageBytes,
  trackingBatch: SEGMENT_LIMITS.batchBytes,
  actions: 4 * 1024 * 1024
} as const

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log: LogSink = options.log ?? ((line) => console.log(line))
  let simulator: Simulator | undefined
  let deliveryUrl: string
  let target: RunningServer['target']
  let apiKey: string
  if (options.fullstoryUrl) {
    deliveryUrl = options.fullstoryUrl.replace(/\/+$/, '')
    apiKey = options.apiKey ?? DEV_API_KEY
    target = 'given URL'
  } else if (options.apiKey) {
    deliveryUrl = FULLSTORY_API_URL
    apiKey = options.apiKey
    target = 'FullStory'
  } else {
    simulator = await startSimulator({ keys: { [DEV_API_KEY]: 'ADMIN' }, ...options.simulator })
    deliveryUrl = simulator.url
    apiKey = DEV_API_KEY
    target = 'own simulator'
  }
  const previousUrl = process.env.FULLSTORY_API_URL
  if (target === 'FullStory') delete process.env.FULLSTORY_API_URL
  else process.env.FULLSTORY_API_URL = deliveryUrl

  const destination = new Destination<Settings>(definition)
  const runtime: ActionRuntime = { destination, apiKey }
  const subscriptions = presetSubscriptions(destination)
  const secrets = [apiKey, options.writeKey]

  const logLine = (method: string, route: string, action: string, status: number, started: number, note?: string) =>
    log(formatDelivery({ method, route, action, status, durationMs: performance.now() - started, note }, secrets))

  const logOutcomes = (method: string, route: string, outcomes: DeliveryOutcome[]) => {
    if (outcomes.length === 0)
      log(formatDelivery({ method, route, action: '-', status: 200, durationMs: 0, note: 'not subscribed' }, secrets))
    for (const o of outcomes) {
      log(
        formatDelivery(
          { method, route, action: o.action, status: o.status, durationMs: o.durationMs, note: o.error?.code },
          secrets
        )
      )
    }
  }

  async function tracking(req: IncomingMessage, res: ServerResponse, type: string | undefined): Promise<void> {
    const route = req.url ?? ''
    const body = await readJsonObject(req, type ? BODY_LIMITS.tracking : BODY_LIMITS.trackingBatch)
    writeKeyOf(req.headers.authorization, body, options.writeKey)
    delete body.writeKey
    const now = new Date().toISOString()
    if (type) {
      const event = completeMessage(body, type, now)
      const outcomes = await deliverMessage(destination, subscriptions, event, apiKey)
      logOutcomes('POST', route, outcomes)
      const failed = outcomes.find((o) => o.error)
      const deliveries = outcomes.map(({ action, status }) => ({ action, status }))
      if (failed?.error) {
        return sendJson(res, failed.status, { error: failed.error, messageId: event.messageId, deliveries })
      }
      return sendJson(res, 200, { success: true, messageId: event.messageId, deliveries })
    }
    if (!Array.isArray(body.batch) || body.batch.length === 0) {
      throw new HttpError(400, 'invalid_batch', 'The body needs "batch": a non-empty array of messages.')
    }
    // check every message first: a batch with one bad message is refused whole, as nothing was sent
    const events = body.batch.map((raw, i) =>
      completeMessage(raw, undefined, now, `batch[${i}]: `, { context: body.context, integrations: body.integrations })
    )
    const results = []
    let success = true
    for (let i = 0; i < events.length; i++) {
      const outcomes = await deliverMessage(destination, subscriptions, events[i], apiKey)
      logOutcomes('POST', `${route}[${i}]`, outcomes)
      if (outcomes.some((o) => o.error)) success = false
      results.push({
        messageId: events[i].messageId,
        deliveries: outcomes.map(({ action, status, error }) => ({ action, status, error }))
      })
    }
    sendJson(res, 200, { success, results })
  }

  async function action(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const started = performance.now()
    const name = path.slice(1)
    let actionName = name
    try {
      const body = await readJsonObject(req, BODY_LIMITS.actions)
      let value: unknown
      let note: string | undefined
      if (name === 'authentication') value = await testAuthentication(runtime, body)
      else if (name === 'delete') value = await runDelete(runtime, body)
      else {
        const ran = await runAction(runtime, name, body)
        value = ran.value
        if (ran.batch) note = `batch of ${ran.rows}`
      }
      logLine('POST', path, actionName, 200, started, note)
      sendJson(res, 200, value)
    } catch (error) {
      const failure = fromDestinationError(error, secrets)
      if (failure.code === 'unknown_action') actionName = '-'
      logLine('POST', path, actionName, failure.status, started, failure.code)
      sendError(res, failure)
    } finally {
      // actions-core keeps every response for its CLI; a long-running server must not
      destination.responses.length = 0
    }
  }

  function proxyToSimulator(req: IncomingMessage, res: ServerResponse): void {
    const upstream = httpRequest(
      deliveryUrl + (req.url ?? ''),
      { method: req.method, headers: { accept: 'application/json' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, {
          'Content-Type': answer.headers['content-type'] ?? 'application/json'
        })
        answer.pipe(res)
      }
    )
    upstream.on('error', (error) => sendError(res, new HttpError(502, 'simulator_unreachable', error.message)))
    req.pipe(upstream)
  }

  function index(res: ServerResponse): void {
    sendJson(res, 200, {
      destination: definition.name,
      deliversTo: target === 'FullStory' ? 'FullStory' : deliveryUrl,
      routes: [
        'POST /v1/identify',
        'POST /v1/track',
        'POST /v1/page',
        'POST /v1/batch',
        ...actionKeys(runtime).map((key) => `POST /${key}`),
        'POST /authentication',
        'POST /delete',
        ...(target === 'FullStory' ? [] : ['GET /simulator/users', 'GET /simulator/events', 'GET /simulator/jobs'])
      ]
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?')[0]
    if (path.startsWith('/simulator/') && target !== 'FullStory') return proxyToSimulator(req, res)
    if (method === 'GET' && path === '/') return index(res)
    if (path.startsWith('/v1/')) {
      const started = performance.now()
      try {
        if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', `Use POST for ${path}.`)
        const type = path.slice(4)
        if (type !== 'batch' && !MESSAGE_TYPES.has(type)) {
          throw new HttpError(
            404,
            'not_found',
            `No tracking route ${path}; use /v1/identify, /v1/track, /v1/page or /v1/batch.`
          )
        }
        return await tracking(req, res, type === 'batch' ? undefined : type)
      } catch (error) {
        const failure = fromDestinationError(error, secrets)
        logLine(method, path, '-', failure.status, started, failure.code)
        return sendError(res, failure)
      } finally {
        destination.responses.length = 0
      }
    }
    if (/^\/[A-Za-z][A-Za-z0-9_-]*$/.test(path)) {
      if (method !== 'POST') return sendError(res, new HttpError(405, 'method_not_allowed', `Use POST for ${path}.`))
      return action(req, res, path)
    }
    sendError(res, new HttpError(404, 'not_found', `No route ${method} ${path}; GET / lists the routes.`))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const failure = fromDestinationError(error, secrets)
      if (!res.headersSent) sendError(res, new HttpError(500, 'internal_error', failure.message))
      else res.destroy()
    })
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    await simulator?.close()
    throw error
  }
  const { port } = server.address() as AddressInfo

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    deliveryUrl,
    target,
    simulator,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await simulator?.close()
      if (previousUrl === undefined) delete process.env.FULLSTORY_API_URL
      else process.env.FULLSTORY_API_URL = previousUrl
    }
  }
}
