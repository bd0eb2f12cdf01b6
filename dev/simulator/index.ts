import type { IncomingMessage, Server, ServerResponse } from 'http'
import { HttpError, readBody, sendJson, serve, target } from '../http'
import { FullStoryApi } from './api'
import type { Role } from './api'
import { FaultInjector } from './faults'
import { IdempotencyStore } from './idempotency'
import { errorJson, handleApiRequest } from './server'
import type { Parts, RequestRecord } from './server'
import { Store } from './store'
import type { JobError, StoredEvent, StoredJob, StoredUser } from './store'

/**
 * A strict FullStory API simulator: a real HTTP server on loopback that answers FullStory's v2
 * endpoints with FullStory's status codes and `{code, message}` bodies, enforces the rules of
 * docs/fullstory-api.md, keeps what it accepted, and injects faults on demand (dev/README.md).
 *
 *   const sim = await startSimulator({ port: 0 })
 *   new Destination(pointedAt(definition, { url: sim.url }))   // dev/pointed.ts
 *   sim.events()                  // what it accepted
 *   sim.faults.queue('503', 2)
 *   await sim.close()
 */
export interface SimulatorOptions {
  /** Port on `host` (default 127.0.0.1); 0 (the default) picks a free one. */
  port?: number
  host?: string
  /** A server already listening (npm start binds its ports first), instead of `port`. */
  server?: Server
  /** Accepted API keys: a list (each Admin) or key -> role. When absent, any non-empty key, with `defaultRole`. */
  keys?: string[] | Record<string, Role>
  defaultRole?: Role
  /** A fault applied to every API request of this run (the X-Simulator-Fault syntax, faults.ts). */
  fault?: string
  /** Session ids that are "full": explicit targeting of them gets 400 session_page_limit_exceeded. */
  fullSessions?: string[]
  /** Status polls a batch job answers PROCESSING before it is done (default 0: done at the first poll). */
  jobPollsBeforeDone?: number
  /** Rows per page of a job's /imports and /errors (default 1000). */
  pageSize?: number
  /** How long an Idempotency-Key is remembered (default 24 h, as FullStory documents). */
  idempotencyTtlMs?: number
  /** Largest request body accepted (default 64 MiB; FullStory's own limit is not published). */
  maxBodyBytes?: number
  /** How many request records `requests()` keeps (default 10,000). */
  requestLogSize?: number
}

/** A job as `GET /simulator/jobs` shows it: what a status poll would say now, and its row errors. */
export interface JobView {
  id: string
  kind: StoredJob['kind']
  status: 'PROCESSING' | 'COMPLETED' | 'FAILED'
  created: string
  finished?: string
  imports: number
  errors: JobError[]
}

export interface Simulator {
  /** `http://127.0.0.1:<port>`. */
  url: string
  port: number
  users(): StoredUser[]
  events(): StoredEvent[]
  jobs(): JobView[]
  requests(): RequestRecord[]
  /** API requests past their checks (holding their Idempotency-Key) and not yet answered. */
  inFlight(): number
  /** `faults.queue('429;retry-after=7', 2)`, `faults.always('latency=50')`, `faults.clear()`. */
  faults: FaultInjector
  /** Session ids whose explicit targeting gets 400 session_page_limit_exceeded. */
  fullSessions: Set<string>
  /** Forgets users, events, jobs, Idempotency-Keys, faults and the request log. */
  reset(): void
  /** Stops; requests in flight get `graceMs` to finish. */
  close(graceMs?: number): Promise<void>
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const store = new Store()
  const fullSessions = new Set(options.fullSessions ?? [])
  const jobPollsBeforeDone = options.jobPollsBeforeDone ?? 0
  const api = new FullStoryApi(store, { fullSessions, jobPollsBeforeDone, pageSize: options.pageSize ?? 1000 })
  const faults = new FaultInjector()
  if (options.fault) faults.always(options.fault)
  const idempotency = new IdempotencyStore(options.idempotencyTtlMs)
  const logSize = options.requestLogSize ?? 10_000
  let log: RequestRecord[] = []
  let seq = 1
  const { keys } = options
  const parts: Parts = {
    api,
    keys: keys && new Map(Array.isArray(keys) ? keys.map((key) => [key, 'ADMIN']) : Object.entries(keys)),
    defaultRole: options.defaultRole ?? 'ADMIN',
    faults,
    idempotency,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
    running: { count: 0 },
    record(record) {
      log.push({ seq: seq++, at: new Date().toISOString(), ...record })
      if (log.length > logSize * 2) log = log.slice(-logSize)
    }
  }
  const jobView = (job: StoredJob): JobView => ({
    ...api.jobStatus(job).job,
    kind: job.kind,
    imports: job.imports.length,
    errors: job.errors
  })
  const sim = {
    faults,
    fullSessions,
    users: () => [...store.usersById.values()],
    events: () => store.events.slice(),
    jobs: () => [...store.jobs.values()].map(jobView),
    requests: () => log.slice(-logSize),
    inFlight: () => parts.running.count,
    reset() {
      store.clear()
      idempotency.clear()
      faults.clear()
      log = []
    }
  }
  const host = options.host ?? '127.0.0.1'
  const handle = (req: IncomingMessage, res: ServerResponse) =>
    req.url?.startsWith('/simulator/') ? controls(sim, req, res) : handleApiRequest(parts, req, res)
  const failed = (error: Error) => ({ code: 'server_error', message: `simulator error: ${error.message}` })
  const listening = await serve(handle, { port: options.port, host, server: options.server }, failed)
  return { ...sim, url: `http://${host}:${listening.port}`, port: listening.port, close: listening.stop }
}

type Controlled = Omit<Simulator, 'url' | 'port' | 'close'>

/** The simulator's own routes (no API key; the local server passes them through): dev/README.md. */
export const CONTROL_ROUTES = [
  'GET /simulator/users',
  'GET /simulator/events',
  'GET /simulator/jobs',
  'GET /simulator/requests',
  'POST /simulator/faults',
  'DELETE /simulator/faults',
  'POST /simulator/full-sessions',
  'POST /simulator/reset'
]

async function controls(sim: Controlled, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { path, query } = target(req) ?? { path: '', query: new URLSearchParams() }
  const [uid, name] = [query.get('uid'), query.get('name')]
  const route = `${req.method} ${path}`
  const answer = (body: unknown) => sendJson(res, 200, body)
  try {
    const raw = (await readBody(req, { limit: 64 * 1024 })).toString('utf8')
    let body: Record<string, unknown> = {}
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {}
    } catch {
      throw new HttpError(400, 'invalid_argument', 'the body must be JSON')
    }
    switch (route) {
      case 'GET /simulator/users':
        return answer({ users: sim.users().filter((user) => uid === null || user.uid === uid) })
      case 'GET /simulator/events': {
        const events = sim
          .events()
          .filter((e) => (name === null || e.name === name) && (uid === null || e.user?.uid === uid))
        return answer({ events })
      }
      case 'GET /simulator/jobs':
        return answer({ jobs: sim.jobs() })
      case 'GET /simulator/requests':
        return answer({ requests: sim.requests(), inFlight: sim.inFlight() })
      case 'POST /simulator/faults':
        if (typeof body.fault !== 'string') throw new HttpError(400, 'invalid_fault', 'give "fault" as a string')
        if (body.count === undefined) sim.faults.always(body.fault)
        else sim.faults.queue(body.fault, Number(body.count))
        return answer({ queued: sim.faults.pending() })
      case 'DELETE /simulator/faults':
        sim.faults.clear()
        return answer({})
      case 'POST /simulator/full-sessions':
        if (typeof body.id !== 'string') throw new HttpError(400, 'invalid_argument', 'give "id" as a string')
        return answer({ fullSessions: [...sim.fullSessions.add(body.id)] })
      case 'POST /simulator/reset':
        sim.reset()
        return answer({})
    }
    throw new HttpError(404, 'resource_not_found', `no simulator route ${route}`)
  } catch (error) {
    if (!(error instanceof HttpError)) throw error
    sendJson(res, error.status, errorJson(error))
  }
}

export { parseFault } from './faults'
export type { Role, RequestRecord, StoredEvent, StoredUser }
