import { HttpError } from '../http'
import type { Fault } from './faults'
import { checkBatch, checkEvent, checkUser, invalid, required } from './rules'
import type { JsonObject } from './rules'
import { userNotFound } from './store'
import type { JobError, JobKind, Store, StoredJob, StoredUser } from './store'

/**
 * FullStory's endpoints as the simulator answers them (docs/fullstory-api.md). Authentication,
 * content type, faults and Idempotency-Key are handled by `server.ts` before a route runs.
 */
export type Role = 'ADMIN' | 'ARCHITECT' | 'USER'

export interface ApiRequest {
  query: URLSearchParams
  /** The parsed JSON body (POST routes only). */
  body: unknown
  role: Role
  /** Receive time, ISO-8601. */
  now: string
  fault?: Fault
}

export interface Route {
  /** Whether the route takes a JSON body (and an Idempotency-Key). */
  post: boolean
  /** Reading and deleting user data needs an Architect or Admin key (docs/fullstory-api.md). */
  admin?: boolean
  run(request: ApiRequest): { status: number; body: unknown }
}

export interface ApiOptions {
  fullSessions: Set<string>
  jobPollsBeforeDone: number
  pageSize: number
}

export const SIMULATED_ORG = { email: 'developer@simulator.invalid', orgId: 'o-SIMULATOR-na1' }
const ok = (body: unknown = {}) => ({ status: 200, body })

export class FullStoryApi {
  constructor(private readonly store: Store, private readonly options: ApiOptions) {}

  /** The route for a method and path, or undefined when FullStory has none (404). */
  route(method: string, path: string): Route | undefined {
    if (path === '/me')
      return method === 'GET' ? { post: false, run: ({ role }) => ok({ ...SIMULATED_ORG, role }) } : undefined
    const [, v2, kind, third, id, which, ...rest] = path.split('/').map(decode)
    if (v2 !== 'v2' || (kind !== 'users' && kind !== 'events') || rest.length > 0) return undefined
    const users = kind === 'users'
    if (third === undefined) {
      if (method === 'POST') return { post: true, run: users ? this.createUser : this.createEvent }
      return method === 'DELETE' && users ? { post: false, admin: true, run: this.deleteByUid } : undefined
    }
    if (third === 'batch') {
      if (id === undefined)
        return method === 'POST' ? { post: true, run: (request) => this.createJob(kind, request) } : undefined
      if (method !== 'GET' || !id) return undefined
      if (which === undefined) return { post: false, run: () => this.status(kind, id) }
      if (which !== 'imports' && which !== 'errors') return undefined
      return { post: false, run: ({ query }) => this.results(kind, id, which, query) }
    }
    if (!users || !third || id !== undefined) return undefined
    const user = () => this.store.usersById.get(third) ?? throwIt(userNotFound())
    if (method === 'GET') {
      const run = ({ query }: ApiRequest) =>
        ok({ ...userView(user(), query.get('include_schema') === 'true'), is_being_deleted: false })
      return { post: false, admin: true, run }
    }
    if (method !== 'DELETE') return undefined
    return {
      post: false,
      admin: true,
      run: ({ query }) => {
        if (query.has('uid')) throw invalid('give either the user id in the path or uid in the query, not both')
        this.store.deleteUser(user())
        return ok()
      }
    }
  }

  private readonly createUser = ({ body, now }: ApiRequest) => {
    checkUser(body)
    return ok({ id: this.store.upsertUser(body, now).id })
  }

  private readonly createEvent = ({ body, now }: ApiRequest) => {
    this.importEvent(body, undefined, 'api', now)
    return ok()
  }

  private readonly deleteByUid = ({ query }: ApiRequest) => {
    const uids = query.getAll('uid')
    if (!uids[0]) throw required('uid')
    if (uids.length > 1) throw invalid('give one uid')
    this.store.deleteUser(this.store.usersByUid.get(uids[0]) ?? throwIt(userNotFound()))
    return ok()
  }

  private importEvent(row: unknown, shared: JsonObject | undefined, source: 'api' | { job: string }, now: string) {
    const who = checkEvent(row)
    if (who.form === 'session' && this.options.fullSessions.has(who.sessionId)) {
      const message = 'The session has reached its page limit; send later events to a new session.'
      throw new HttpError(400, 'session_page_limit_exceeded', message)
    }
    const body =
      shared?.context !== undefined ? { ...(row as JsonObject), context: shared.context } : (row as JsonObject)
    const { name, timestamp, user, session, context, properties, schema } = this.store.addEvent(body, who, source, now)
    return defined({
      name,
      timestamp,
      user,
      session: session?.id ? { id: session.id } : undefined,
      context,
      properties,
      schema
    })
  }

  /**
   * A batch import job: its rows are checked and applied now; a row that breaks a rule, or that a
   * `refuse-rows` fault names, goes to the job's errors (with the row as sent) and is not stored.
   */
  private createJob(kind: JobKind, { body, now, fault }: ApiRequest) {
    const { requests, shared } = checkBatch(body, kind)
    const imports: JsonObject[] = []
    const errors: JobError[] = []
    const source = { job: '' }
    requests.forEach((row, i) => {
      try {
        if (fault?.refuseRows?.includes(i)) {
          throw new HttpError(400, fault.code || 'invalid_argument', fault.message || `row ${i} refused (simulated)`)
        }
        if (kind === 'users') {
          checkUser(row, true)
          imports.push(userView(this.store.upsertUser(row, now), true))
        } else imports.push(this.importEvent(row, shared, source, now))
      } catch (error) {
        if (!(error instanceof HttpError)) throw error
        const { code, message } = error
        errors.push(
          kind === 'users' ? { code, message, user: row } : { code, message, event: row, ...(shared && { shared }) }
        )
      }
    })
    const job = this.store.addJob(kind, imports, errors, now)
    source.job = job.id
    return ok({ job: { id: job.id, status: 'PROCESSING', created: job.created } })
  }

  private job(kind: JobKind, id: string): StoredJob {
    const job = this.store.jobs.get(id)
    if (job?.kind !== kind) throw new HttpError(404, 'resource_not_found', `no ${kind} batch import job with that id`)
    return job
  }

  /** What a status poll says now: PROCESSING for `jobPollsBeforeDone` polls, then the outcome. */
  jobStatus(job: StoredJob, now?: string) {
    if (job.polls <= this.options.jobPollsBeforeDone) {
      return { imports: 0, errors: 0, job: { id: job.id, status: 'PROCESSING' as const, created: job.created } }
    }
    if (now) job.finished ??= now
    const { id, outcome: status, created, finished } = job
    return { imports: job.imports.length, errors: job.errors.length, job: { id, status, created, finished } }
  }

  private status(kind: JobKind, id: string) {
    const job = this.job(kind, id)
    job.polls += 1
    return ok(this.jobStatus(job, new Date().toISOString()))
  }

  /** `/imports` or `/errors`: 202 while processing, then pages of `pageSize` rows (`page_token`). */
  private results(kind: JobKind, id: string, which: 'imports' | 'errors', query: URLSearchParams) {
    const job = this.job(kind, id)
    if (job.polls <= this.options.jobPollsBeforeDone) return { status: 202, body: '' }
    const rows: unknown[] = job[which]
    const token = query.get('page_token') || '0'
    if (!/^\d+$/.test(token)) throw invalid('page_token is not one this API returned')
    const [start, end] = [Number(token), Number(token) + this.options.pageSize]
    const next_page_token = end < rows.length ? String(end) : ''
    return ok({ results: rows.slice(start, end), total_records: String(rows.length), next_page_token })
  }
}

function throwIt(error: Error): never {
  throw error
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

/** `object` without its undefined fields. */
const defined = (object: JsonObject) =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined))

function userView(
  { id, uid, display_name, email, properties, schema }: StoredUser,
  includeSchema: boolean
): JsonObject {
  return defined({
    id,
    uid,
    display_name,
    email,
    properties,
    schema: includeSchema ? { properties: schema } : undefined
  })
}
