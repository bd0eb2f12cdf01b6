import type { IncomingMessage, ServerResponse } from 'http'
import type { Answer, FullStoryApi, Route } from './api'
import type { KeyRing } from './auth'
import { ApiError, TOO_MANY_REQUESTS_MESSAGE } from './errors'
import { FaultSyntaxError, type Fault, type FaultInjector } from './faults'
import { errorJson, isJsonContentType, readBody, sendJson, sleep, splitUrl } from './http'
import type { IdempotencyStore, SavedAnswer as Saved } from './idempotency'
import type { RequestLog } from './request-log'
import type { Role } from './types'

/**
 * One API request through the simulator:
 *   read the body -> fault? (latency, then drop or an error status) -> authenticate -> route ->
 *   role -> content type and JSON -> Idempotency-Key (replay, reuse, in flight) -> the route ->
 *   save the idempotent answer -> answer (or drop it: `drop-after`).
 * Latency is spent while the Idempotency-Key is held, so a retry sent meanwhile meets the first.
 */
export interface Parts {
  api: FullStoryApi
  keys: KeyRing
  faults: FaultInjector
  idempotency: IdempotencyStore
  log: RequestLog
  maxBodyBytes: number
  /** Requests that passed their checks (and hold their Idempotency-Key) and are not yet answered. */
  running: { count: number }
}

/** An answer decided before any route ran; `replayed` when it is a saved idempotent one. */
interface SavedAnswer extends Saved {
  replayed?: boolean
}

interface Prepared {
  route: Route
  role: Role
  body: unknown
  query: URLSearchParams
  idempotency?: { scope: string; key: string }
}

const DEFAULT_FAULT_MESSAGES: Record<number, [string, string]> = {
  429: ['too_many_requests', TOO_MANY_REQUESTS_MESSAGE],
  500: ['server_error', 'Internal server error (simulated).'],
  502: ['bad_gateway', 'Bad gateway (simulated).'],
  503: ['service_unavailable', 'Service unavailable (simulated).'],
  504: ['gateway_timeout', 'Gateway timeout (simulated).']
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function faultAnswer(fault: Fault & { status: number }): {
  status: number
  body: string
  headers?: Record<string, string>
} {
  const [code, message] = DEFAULT_FAULT_MESSAGES[fault.status] ?? ['simulated_fault', `Simulated ${fault.status}.`]
  const body = errorJson(fault.code || code, fault.message || message)
  const headers = fault.status === 429 ? { 'Retry-After': String(fault.retryAfter ?? 1) } : undefined
  return { status: fault.status, body, headers }
}

export async function handleApiRequest(parts: Parts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET'
  const { path, query } = splitUrl(req.url ?? '/')
  const idempotencyKey = header(req, 'idempotency-key')
  const record = (status: number | 'dropped', extra: { replayed?: boolean; fault?: Fault } = {}) =>
    parts.log.add({
      method,
      path,
      status,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      ...(extra.replayed ? { replayed: true } : {}),
      ...(extra.fault ? { fault: extra.fault.text } : {})
    })
  const answer = (
    status: number,
    body: string,
    extra: { replayed?: boolean; fault?: Fault } = {},
    headers?: Record<string, string>
  ) => {
    sendJson(res, status, body, headers)
    record(status, extra)
  }
  const drop = (fault: Fault) => {
    req.socket.destroy()
    record('dropped', { fault })
  }

  let fault: Fault | undefined
  let raw: string
  try {
    fault = parts.faults.take(header(req, 'x-simulator-fault'))
    raw = await readBody(req, parts.maxBodyBytes)
  } catch (error) {
    if (error instanceof FaultSyntaxError) return answer(400, errorJson('invalid_fault', error.message))
    if (error instanceof ApiError) return answer(error.status, errorJson(error.code, error.message))
    throw error
  }

  if (fault && (fault.drop === 'before' || fault.status !== undefined)) {
    if (fault.latencyMs) await sleep(fault.latencyMs)
    if (fault.drop === 'before') return drop(fault)
    const failed = faultAnswer(fault as Fault & { status: number })
    return answer(failed.status, failed.body, { fault }, failed.headers)
  }

  let prepared: Prepared | SavedAnswer
  try {
    prepared = prepare(parts, req, method, path, query, raw, idempotencyKey)
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    prepared = { status: error.status, body: errorJson(error.code, error.message) }
  }
  if (!('route' in prepared)) {
    // refused before running (auth, route, body, key reuse), or the replay of a saved answer
    const early = prepared
    if (fault?.latencyMs) await sleep(fault.latencyMs)
    if (fault?.drop === 'after') return drop(fault)
    return answer(early.status, early.body, { fault, replayed: early.replayed })
  }

  let result: { status: number; body: string }
  parts.running.count += 1
  try {
    if (fault?.latencyMs) await sleep(fault.latencyMs)
    const out: Answer = prepared.route.run({
      query: prepared.query,
      body: prepared.body,
      role: prepared.role,
      now: new Date().toISOString()
    })
    result = { status: out.status, body: JSON.stringify(out.body) }
  } catch (error) {
    if (error instanceof ApiError) result = { status: error.status, body: errorJson(error.code, error.message) }
    else {
      if (prepared.idempotency) parts.idempotency.abandon(prepared.idempotency.scope, prepared.idempotency.key)
      throw error
    }
  } finally {
    parts.running.count -= 1
  }
  if (prepared.idempotency) parts.idempotency.finish(prepared.idempotency.scope, prepared.idempotency.key, result)
  if (fault?.drop === 'after') return drop(fault)
  answer(result.status, result.body, { fault })
}

function prepare(
  parts: Parts,
  req: IncomingMessage,
  method: string,
  path: string,
  query: URLSearchParams,
  raw: string,
  idempotencyKey: string | undefined
): Prepared | SavedAnswer {
  const { key, role } = parts.keys.authenticate(header(req, 'authorization'))
  const route = parts.api.route(method, path)
  if (!route) throw new ApiError(404, 'resource_not_found', `no FullStory endpoint ${method} ${path}`)
  if (route.roles && !route.roles.has(role)) {
    throw new ApiError(
      403,
      'forbidden',
      `An API key with the ${role} role may not call ${method} ${path}; it needs an Admin or Architect key.`
    )
  }
  let body: unknown
  if (route.post) {
    if (!isJsonContentType(header(req, 'content-type'))) {
      throw new ApiError(400, 'invalid_argument', 'Content-Type must be application/json')
    }
    try {
      body = JSON.parse(raw)
    } catch {
      throw new ApiError(400, 'invalid_argument', 'the request body is not valid JSON')
    }
  }
  const prepared: Prepared = { route, role, body, query }
  if (route.post && idempotencyKey) {
    const check = parts.idempotency.begin(key, idempotencyKey, `${method} ${path}\n${raw}`)
    if (check.kind === 'replay') return { ...check.answer, replayed: true }
    if (check.kind === 'reused') {
      throw new ApiError(
        400,
        'idempotency_key_reused',
        'This Idempotency-Key was already used with a different request; use a new key for a new request.'
      )
    }
    if (check.kind === 'in_flight') {
      throw new ApiError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress.')
    }
    prepared.idempotency = { scope: key, key: idempotencyKey }
  }
  return prepared
}
