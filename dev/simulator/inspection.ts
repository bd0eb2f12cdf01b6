import type { IncomingMessage, ServerResponse } from 'http'
import type { FaultInjector } from './faults'
import { FaultSyntaxError } from './faults'
import { errorJson, readBody, sendJson, splitUrl } from './http'
import type { RequestLog } from './request-log'
import type { Store } from './store'
import type { StoredJob } from './types'

/**
 * The simulator's own routes under `/simulator/` (no API key needed):
 *   GET    /simulator/users[?uid=]          users accepted, newest state
 *   GET    /simulator/events[?name=&uid=]   events accepted, in order
 *   GET    /simulator/jobs                  batch import jobs, with their row errors
 *   GET    /simulator/requests              the last API requests (status, Idempotency-Key, replay, fault)
 *   POST   /simulator/faults                `{"fault": "429;retry-after=7", "count": 3}` queues a fault for
 *                                           the next `count` requests; without `count` it applies to all
 *   DELETE /simulator/faults                removes queued and standing faults
 *   POST   /simulator/full-sessions         `{"id": "<device:session>"}` marks a session as full
 *   POST   /simulator/reset                 forgets everything above (and Idempotency-Keys)
 */
export interface Inspectable {
  store: Store
  log: RequestLog
  faults: FaultInjector
  fullSessions: Set<string>
  jobView(job: StoredJob): JobView
  reset(): void
}

export interface JobView {
  id: string
  kind: StoredJob['kind']
  /** What a status poll would say now. */
  status: 'PROCESSING' | 'COMPLETED' | 'FAILED'
  created: string
  finished?: string
  imports: number
  errors: StoredJob['errors']
}

const MAX_CONTROL_BODY = 64 * 1024

/** The read-only routes (GET): safe to pass through another server; the control routes are not. */
export const SIMULATOR_READ_PATHS = [
  '/simulator/users',
  '/simulator/events',
  '/simulator/jobs',
  '/simulator/requests'
] as const

export async function handleInspection(sim: Inspectable, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { path, query } = splitUrl(req.url ?? '/')
  const method = req.method ?? 'GET'
  const json = (status: number, value: unknown) => sendJson(res, status, JSON.stringify(value))
  const uid = query.get('uid')

  if (method === 'GET') {
    switch (path) {
      case '/simulator/users':
        return json(200, { users: sim.store.users().filter((u) => uid === null || u.uid === uid) })
      case '/simulator/events': {
        const name = query.get('name')
        const events = sim.store
          .events()
          .filter((e) => (name === null || e.name === name) && (uid === null || e.user?.uid === uid))
        return json(200, { events })
      }
      case '/simulator/jobs':
        return json(200, { jobs: sim.store.jobs().map((job) => sim.jobView(job)) })
      case '/simulator/requests':
        return json(200, { requests: sim.log.all() })
    }
  }

  let body: Record<string, unknown> = {}
  try {
    const raw = await readBody(req, MAX_CONTROL_BODY)
    if (raw) body = JSON.parse(raw) as Record<string, unknown>
  } catch {
    return sendJson(res, 400, errorJson('invalid_argument', 'the body must be JSON of at most 64 KiB'))
  }
  if (path === '/simulator/faults' && method === 'POST') {
    try {
      if (typeof body.fault !== 'string') throw new FaultSyntaxError('give "fault" as a string')
      if (body.count === undefined) sim.faults.always(body.fault)
      else sim.faults.queue(body.fault, Number(body.count))
    } catch (error) {
      return sendJson(res, 400, errorJson('invalid_fault', (error as Error).message))
    }
    return json(200, { queued: sim.faults.pending() })
  }
  if (path === '/simulator/faults' && method === 'DELETE') {
    sim.faults.clear()
    return json(200, {})
  }
  if (path === '/simulator/full-sessions' && method === 'POST' && typeof body.id === 'string') {
    sim.fullSessions.add(body.id)
    return json(200, { fullSessions: [...sim.fullSessions] })
  }
  if (path === '/simulator/reset' && method === 'POST') {
    sim.reset()
    return json(200, {})
  }
  return sendJson(res, 404, errorJson('resource_not_found', `no simulator route ${method} ${path}`))
}
