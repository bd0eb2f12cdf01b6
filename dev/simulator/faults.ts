/**
 * Fault injection. A fault is written as `;`- or `,`-separated items, for example:
 *   `429;retry-after=7`   answer 429 too_many_requests with `Retry-After: 7` (default 1 second)
 *   `500`, `503`, ...     answer that status with FullStory's error body
 *   `latency=2000`        wait 2000 ms before handling the request (combines with the others)
 *   `drop`                destroy the connection without answering, before handling the request
 *   `drop-after`          handle the request (store it, save its idempotent answer), then destroy the
 *                         connection instead of answering: "the request worked but the answer was lost"
 *   `code=x;message=y`    the error body's code and message (with a status)
 * A fault comes from the request's `X-Simulator-Fault` header, else from the queue (`queue(fault, n)`
 * applies to the next n API requests), else from the run's standing fault (`always(fault)`).
 */
export interface Fault {
  status?: number
  retryAfter?: number
  latencyMs?: number
  drop?: 'before' | 'after'
  code?: string
  message?: string
  /** The fault as written. */
  text: string
}

export class FaultSyntaxError extends Error {}

export function parseFault(text: string): Fault {
  const fault: Fault = { text: text.trim() }
  for (const raw of text.split(/[;,]/)) {
    const item = raw.trim()
    if (!item) continue
    const eq = item.indexOf('=')
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase()
    const value = eq < 0 ? '' : item.slice(eq + 1).trim()
    if (/^\d{3}$/.test(name) && eq < 0) {
      const status = Number(name)
      if (status < 400 || status > 599) throw new FaultSyntaxError(`fault status ${status} is not an error status`)
      fault.status = status
    } else if (name === 'latency' || name === 'retry-after') {
      if (!/^\d+$/.test(value)) throw new FaultSyntaxError(`${name} needs a whole number, got "${value}"`)
      if (name === 'latency') fault.latencyMs = Number(value)
      else fault.retryAfter = Number(value)
    } else if (name === 'drop' || name === 'drop-after') {
      fault.drop = name === 'drop' ? 'before' : 'after'
    } else if (name === 'code' || name === 'message') {
      fault[name] = value
    } else {
      throw new FaultSyntaxError(`unknown fault "${item}"`)
    }
  }
  if (fault.status === undefined && fault.latencyMs === undefined && fault.drop === undefined) {
    throw new FaultSyntaxError(`fault "${text}" says neither a status, a latency nor a drop`)
  }
  return fault
}

function toFault(fault: string | Fault): Fault {
  return typeof fault === 'string' ? parseFault(fault) : fault
}

/** The faults of one simulator run. */
export class FaultInjector {
  private standing?: Fault
  /** Queued faults; `null` lets one request through unfaulted. */
  private readonly queued: (Fault | null)[] = []

  /** Applies `fault` to every API request from now on (`undefined` stops it). */
  always(fault: string | Fault | undefined): void {
    this.standing = fault === undefined ? undefined : toFault(fault)
  }

  /** Applies `fault` to the next `count` API requests (after any already queued). */
  queue(fault: string | Fault, count = 1): void {
    const parsed = toFault(fault)
    for (let i = 0; i < count; i++) this.queued.push(parsed)
  }

  /** Lets the next `count` API requests through without a fault (after any already queued), so that a
   * fault queued next hits a request in the middle of a sequence. */
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
    if (this.queued.length > 0) return this.queued.shift() ?? undefined
    return this.standing
  }
}
