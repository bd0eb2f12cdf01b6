import { createServer, type Server } from 'http'
import type { AddressInfo } from 'net'
import { FullStoryApi } from './api'
import { KeyRing } from './auth'
import { FaultInjector } from './faults'
import { errorJson, sendJson } from './http'
import { IdempotencyStore } from './idempotency'
import { handleInspection, type Inspectable, type JobView } from './inspection'
import { RequestLog } from './request-log'
import { handleApiRequest } from './server'
import { Store } from './store'
import type { RequestRecord, SimulatorOptions, StoredEvent, StoredJob, StoredUser } from './types'

/**
 * A strict FullStory API simulator: a real HTTP server on loopback that answers FullStory's v2
 * endpoints with FullStory's status codes and `{code, message}` bodies, enforces the rules of
 * docs/fullstory-api.md, keeps what it accepted, and injects faults on demand.
 *
 *   const sim = await startSimulator({ port: 0 })
 *   process.env.FULLSTORY_API_URL = sim.url
 *   ...
 *   sim.events()          // what it accepted
 *   sim.faults.queue('503', 2)
 *   await sim.close()
 *
 * Batch import jobs apply their rows when created (so `events()` shows them at once); the create
 * answer says PROCESSING, and the job reports COMPLETED or FAILED from its first status poll
 * (`jobPollsBeforeDone` polls later if set). Until then `/imports` and `/errors` answer 202.
 */
export interface Simulator {
  /** `http://127.0.0.1:<port>`, for `FULLSTORY_API_URL`. */
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
  close(): Promise<void>
}

export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  pageSize: 1000,
  maxBodyBytes: 64 * 1024 * 1024,
  requestLogSize: 10_000
} as const

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const store = new Store()
  const fullSessions = new Set(options.fullSessions ?? [])
  const jobPollsBeforeDone = options.jobPollsBeforeDone ?? 0
  const api = new FullStoryApi(store, {
    fullSessions,
    jobPollsBeforeDone,
    pageSize: options.pageSize ?? SIMULATOR_DEFAULTS.pageSize
  })
  const faults = new FaultInjector()
  if (options.fault) faults.always(options.fault)
  const idempotency = new IdempotencyStore(options.idempotencyTtlMs)
  const log = new RequestLog(options.requestLogSize ?? SIMULATOR_DEFAULTS.requestLogSize)
  const parts = {
    api,
    keys: new KeyRing(options.keys, options.defaultRole),
    faults,
    idempotency,
    log,
    maxBodyBytes: options.maxBodyBytes ?? SIMULATOR_DEFAULTS.maxBodyBytes,
    running: { count: 0 }
  }
  const jobView = (job: StoredJob): JobView => {
    const done = job.polls > jobPollsBeforeDone
    return {
      id: job.id,
      kind: job.kind,
      status: done ? job.outcome : 'PROCESSING',
      created: job.created,
      ...(job.finished ? { finished: job.finished } : {}),
      imports: job.imports.length,
      errors: job.errors
    }
  }
  const inspectable: Inspectable = {
    store,
    log,
    faults,
    fullSessions,
    jobView,
    reset() {
      store.clear()
      idempotency.clear()
      faults.clear()
      log.clear()
    }
  }

  const server: Server = createServer((req, res) => {
    const handler = req.url?.startsWith('/simulator/')
      ? handleInspection(inspectable, req, res)
      : handleApiRequest(parts, req, res)
    handler.catch((error: Error) => {
      // A bug in the simulator: answer 500 rather than leave the client hanging.
      if (!res.headersSent) sendJson(res, 500, errorJson('server_error', `simulator error: ${error.message}`))
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 30_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? SIMULATOR_DEFAULTS.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://${options.host ?? SIMULATOR_DEFAULTS.host}:${port}`,
    port,
    users: () => store.users(),
    events: () => store.events(),
    jobs: () => store.jobs().map(jobView),
    requests: () => log.all(),
    inFlight: () => parts.running.count,
    faults,
    fullSessions,
    reset: inspectable.reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}

export type { SimulatorOptions, StoredEvent, StoredUser, RequestRecord, JobView }
export type { Role } from './types'
export { parseFault } from './faults'
export { SIMULATOR_READ_PATHS } from './inspection'
