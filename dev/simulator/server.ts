import type { IncomingMessage, ServerResponse } from 'http'
import { HttpError, readBody, sendJson, sleep, target } from '../http'
import type { FullStoryApi, Role } from './api'
import type { Fault, FaultInjector } from './faults'
import type { IdempotencyStore, SavedAnswer } from './idempotency'

/**
 * One API request through the simulator:
 *   read the body -> fault? (latency, then drop or an error status) -> authenticate -> route ->
 *   role -> content type and JSON -> Idempotency-Key (replay, reuse, in flight) -> the route ->
 *   save the idempotent answer -> answer (or drop it: `drop-after`).
 * Latency is spent while the Idempotency-Key is held, so a retry sent meanwhile meets the first.
 */
export interface RequestRecord {
  seq: number
  at: string
  method: string
  path: string
  /** The status answered, or `dropped` when the connection was destroyed instead. */
  status: number | 'dropped'
  idempotencyKey?: string
  /** True when the answer was the replay of an earlier one with the same Idempotency-Key. */
  replayed?: boolean
  /** The fault applied, as text (for example `429;retry-after=7`). */
  fault?: string
}

export interface Parts {
  api: FullStoryApi
  /** Accepted API keys and their roles; undefined: any non-empty key, with `defaultRole`. */
  keys?: Map<string, Role>
  defaultRole: Role
  faults: FaultInjector
  idempotency: IdempotencyStore
  maxBodyBytes: number
  record(record: Omit<RequestRecord, 'seq' | 'at'>): void
  /** Requests past their checks (holding their Idempotency-Key) and not yet answered. */
  running: { count: number }
}

const FAULT_BODIES: Record<number, [string, string]> = {
  429: ['too_many_requests', 'Too many requests. Client has exceeded the rate limit for this endpoint.'],
  500: ['server_error', 'Internal server error (simulated).'],
  502: ['bad_gateway', 'Bad gateway (simulated).'],
  503: ['service_unavailable', 'Service unavailable (simulated).'],
  504: ['gateway_timeout', 'Gateway timeout (simulated).']
}

export const errorJson = (error: HttpError) => JSON.stringify({ code: error.code, message: error.message })
const header = (req: IncomingMessage, name: string) => [req.headers[name]].flat()[0]

/** `Authorization: Basic <API key>`: the raw key, as FullStory documents (not base64 of user:password). */
function authenticate(parts: Parts, authorization: string | undefined): { key: string; role: Role } {
  const key = authorization?.startsWith('Basic ') ? authorization.slice(6).trim() : undefined
  const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message)
  if (key === undefined) throw unauthorized('Send the API key as "Authorization: Basic <API key>".')
  if (!key) throw unauthorized('The API key is empty.')
  const role = parts.keys ? parts.keys.get(key) : parts.defaultRole
  if (!role) throw unauthorized('The API key is not valid or has been revoked.')
  return { key, role }
}

export async function handleApiRequest(parts: Parts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET'
  const { path, query } = target(req) ?? { path: req.url ?? '', query: new URLSearchParams() }
  const idempotencyKey = header(req, 'idempotency-key')
  let fault: Fault | undefined
  let replayed = false
  const finish = (answer: SavedAnswer | 'dropped', headers?: Record<string, string>) => {
    if (answer === 'dropped') req.socket.destroy()
    else sendJson(res, answer.status, answer.body, headers)
    const status = answer === 'dropped' ? answer : answer.status
    parts.record({ method, path, status, idempotencyKey, replayed: replayed || undefined, fault: fault?.text })
  }
  const refusal = (error: unknown) => {
    if (!(error instanceof HttpError)) throw error
    return { status: error.status, body: errorJson(error) }
  }

  let raw: string
  try {
    fault = parts.faults.take(header(req, 'x-simulator-fault'))
    raw = (await readBody(req, { limit: parts.maxBodyBytes })).toString('utf8')
  } catch (error) {
    // a client that left before its body arrived: nothing ran, nothing to answer
    if (error instanceof HttpError && error.code === 'request_aborted') return
    return finish(refusal(error))
  }
  if (fault?.latencyMs && (fault.drop === 'before' || fault.status !== undefined)) await sleep(fault.latencyMs)
  if (fault?.drop === 'before') return finish('dropped')
  if (fault?.status !== undefined) {
    const [code, message] = FAULT_BODIES[fault.status] ?? ['simulated_fault', `Simulated ${fault.status}.`]
    const body = errorJson(new HttpError(fault.status, fault.code || code, fault.message || message))
    return finish(
      { status: fault.status, body },
      fault.status === 429 ? { 'Retry-After': String(fault.retryAfter ?? 1) } : {}
    )
  }

  let answer: SavedAnswer | undefined
  let run: (() => SavedAnswer) | undefined
  let held: string | undefined
  try {
    const { key, role } = authenticate(parts, header(req, 'authorization'))
    const route = parts.api.route(method, path)
    if (!route) throw new HttpError(404, 'resource_not_found', `no FullStory endpoint ${method} ${path}`)
    if (route.admin && role === 'USER') {
      const message = `An API key with the ${role} role may not call ${method} ${path}; it needs an Admin or Architect key.`
      throw new HttpError(403, 'forbidden', message)
    }
    let body: unknown
    if (route.post) {
      const type = header(req, 'content-type')?.split(';')[0].trim().toLowerCase()
      if (type !== 'application/json')
        throw new HttpError(400, 'invalid_argument', 'Content-Type must be application/json')
      try {
        body = JSON.parse(raw)
      } catch {
        throw new HttpError(400, 'invalid_argument', 'the request body is not valid JSON')
      }
    }
    const slot = route.post && idempotencyKey ? `${key}\n${idempotencyKey}` : undefined
    const check = slot ? parts.idempotency.begin(slot, `${method} ${path}\n${raw}`) : 'new'
    if (check === 'reused') {
      const message = 'This Idempotency-Key was already used with a different request; use a new key for a new request.'
      throw new HttpError(400, 'idempotency_key_reused', message)
    }
    if (check === 'in_flight') {
      throw new HttpError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress.')
    }
    if (check !== 'new') [answer, replayed] = [check, true]
    else {
      held = slot
      run = () => {
        const out = route.run({ query, body, role, now: new Date().toISOString(), fault })
        return { status: out.status, body: typeof out.body === 'string' ? out.body : JSON.stringify(out.body) }
      }
    }
  } catch (error) {
    answer = refusal(error)
  }
  if (run) {
    parts.running.count += 1
    try {
      if (fault?.latencyMs) await sleep(fault.latencyMs)
      try {
        answer = run()
      } catch (error) {
        answer = refusal(error)
      }
    } finally {
      parts.running.count -= 1
      if (held) parts.idempotency.finish(held, answer) // no answer (a bug): the key is released
    }
  } else if (fault?.latencyMs) await sleep(fault.latencyMs)
  finish(fault?.drop === 'after' ? 'dropped' : (answer as SavedAnswer))
}
