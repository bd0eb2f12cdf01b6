import { HttpError } from '../http'

/**
 * Fault injection. A fault is written as `;`- or `,`-separated items, for example:
 *   `429;retry-after=7`   answer 429 too_many_requests with `Retry-After: 7` (default 1 second)
 *   `500`, `503`, ...     answer that status with FullStory's error body
 *   `latency=2000`        wait 2000 ms before handling the request (combines with the others)
 *   `drop`                destroy the connection without answering, before handling the request
 *   `drop-after`          handle the request (store it, save its idempotent answer), then destroy the
 *                         connection instead of answering: "the request worked but the answer was lost"
 *   `refuse-rows=1+3`     on a batch import job: accept the job, then refuse its rows 1 and 3 (0-based,
 *                         in `requests`): they are not stored, the job ends FAILED with them in `/errors`
 *   `code=x;message=y`    the code and message of the error body, or of each refused row
 * A fault comes from the request's `X-Simulator-Fault` header, else from the queue (`queue(fault, n)`
 * applies to the next n API requests), else from the run's standing fault (`always(fault)`).
 */
export interface Fault {
  status?: number
  retryAfter?: number
  latencyMs?: number
  drop?: 'before' | 'after'
  refuseRows?: number[]
  code?: string
  message?: string
  /** The fault as written. */
  text: string
}

const wrong = (message: string) => new HttpError(400, 'invalid_fault', message)

export function parseFault(text: string): Fault {
  const fault: Fault = { text: text.trim() }
  for (const item of text.split(/[;,]/).map((part) => part.trim())) {
    const [name, value = ''] = item.split(/=(.*)/s).map((part) => part.trim())
    const number = /^\d+$/.test(value) ? Number(value) : undefined
    if (!item) continue
    else if (/^\d{3}$/.test(item)) {
      fault.status = Number(item)
      if (fault.status < 400 || fault.status > 599) throw wrong(`fault status ${item} is not an error status`)
    } else if (name === 'latency' || name === 'retry-after') {
      if (number === undefined) throw wrong(`${name} needs a whole number, got "${value}"`)
      fault[name === 'latency' ? 'latencyMs' : 'retryAfter'] = number
    } else if (item === 'drop' || item === 'drop-after') fault.drop = item === 'drop' ? 'before' : 'after'
    else if (name === 'refuse-rows' && /^\d+(\+\d+)*$/.test(value)) fault.refuseRows = value.split('+').map(Number)
    else if (name === 'code' || name === 'message') fault[name] = value
    else throw wrong(`unknown fault "${item}"`)
  }
  if (fault.status === undefined && fault.latencyMs === undefined && !fault.drop && !fault.refuseRows) {
    throw wrong(`fault "${text}" says neither a status, a latency, a drop nor rows to refuse`)
  }
  return fault
}

/** The faults of one simulator run. */
export class FaultInjector {
  private standing?: Fault
  /** Queued faults; `null` lets one request through unfaulted. */
  private readonly queued: (Fault | null)[] = []

  /** Applies `fault` to every API request from now on (`undefined` stops it). */
  always(fault: string | undefined): void {
    this.standing = fault === undefined ? undefined : parseFault(fault)
  }

  /** Applies `fault` to the next `count` API requests (after any already queued). */
  queue(fault: string, count = 1): void {
    const parsed = parseFault(fault)
    for (let i = 0; i < count; i++) this.queued.push(parsed)
  }

  /** Lets the next `count` API requests through (after any queued), so that a fault queued next hits a later one. */
  pass(count: number): void {
    for (let i = 0; i < count; i++) this.queued.push(null)
  }

  /** Faults still queued (passes included). */
  pending(): number {
    return this.queued.length
  }

  clear(): void {
    this.standing = undefined
    this.queued.length = 0
  }

  /** The fault for one request: its header's, else the next queued one, else the standing one. */
  take(header: string | undefined): Fault | undefined {
    if (header) return parseFault(header)
    return this.queued.length > 0 ? this.queued.shift() ?? undefined : this.standing
  }
}
