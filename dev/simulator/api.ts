import { ApiError, invalid, requiredField } from './errors'
import { checkBatchEnvelope, checkEvent, checkUser } from './request-rules'
import type { Store } from './store'
import type { JobError, JobKind, JsonObject, Role, StoredJob, StoredUser } from './types'

/**
 * FullStory's endpoints as the simulator answers them (docs/fullstory-api.md). Routing,
 * authentication, content type and Idempotency-Key are handled by `server.ts` before a route runs.
 */
export interface ApiRequest {
  query: URLSearchParams
  /** The parsed JSON body (POST routes only). */
  body: unknown
  role: Role
  /** Receive time, ISO-8601. */
  now: string
}

export interface Answer {
  status: number
  body: unknown
}

export interface Route {
  /** Whether the route takes a JSON body (and an Idempotency-Key). */
  post: boolean
  /** Roles allowed; all when absent. */
  roles?: ReadonlySet<Role>
  run(request: ApiRequest): Answer
}

export interface ApiOptions {
  fullSessions: Set<string>
  jobPollsBeforeDone: number
  pageSize: number
}

/** Reading and deleting user data needs an Architect or Admin key (docs/fullstory-api.md). */
const VIEW_OR_DELETE: ReadonlySet<Role> = new Set<Role>(['ADMIN', 'ARCHITECT'])

export const SIMULATED_ORG = { email: 'developer@simulator.invalid', orgId: 'o-SIMULATOR-na1' }

export class FullStoryApi {
  constructor(private readonly store: Store, private readonly options: ApiOptions) {}

  /** The route for a method and path, or undefined when FullStory has none (404). */
  route(method: string, path: string): Route | undefined {
    const parts = path.split('/')
    // parts[0] is '' (paths start with '/')
    if (parts.length === 2 && parts[1] === 'me') return method === 'GET' ? this.me : undefined
    if (parts[1] !== 'v2' || (parts[2] !== 'users' && parts[2] !== 'events')) return undefined
    const kind: JobKind = parts[2]
    if (parts.length === 3) {
      if (method === 'POST') return kind === 'users' ? this.createUser : this.createEvent
      if (method === 'DELETE' && kind === 'users') return this.deleteUserByUid
      return undefined
    }
    if (parts[3] === 'batch') {
      if (parts.length === 4) return method === 'POST' ? this.createJob(kind) : undefined
      if (method !== 'GET' || !parts[4]) return undefined
      const jobId = decodeURIComponent(parts[4])
      if (parts.length === 5) return this.jobStatus(kind, jobId)
      if (parts.length === 6 && (parts[5] === 'imports' || parts[5] === 'errors')) {
        return this.jobResults(kind, jobId, parts[5])
      }
      return undefined
    }
    if (kind === 'users' && parts.length === 4 && parts[3]) {
      const id = decodeURIComponent(parts[3])
      if (method === 'GET') return this.getUser(id)
      if (method === 'DELETE') return this.deleteUserById(id)
    }
    return undefined
  }

  private readonly me: Route = {
    post: false,
    run: ({ role }) => ({ status: 200, body: { ...SIMULATED_ORG, role } })
  }

  private readonly createUser: Route = {
    post: true,
    run: ({ body, now }) => {
      checkUser(body)
      const user = this.store.upsertUser(body, now)
      return { status: 200, body: { id: user.id } }
    }
  }

  private readonly createEvent: Route = {
    post: true,
    run: ({ body, now }) => {
      const who = checkEvent(body)
      this.checkSessionNotFull(who.form === 'session' ? who.sessionId : undefined)
      this.store.addEvent(body as JsonObject, who, 'api', now)
      return { status: 200, body: {} }
    }
  }

  private checkSessionNotFull(sessionId: string | undefined): void {
    if (sessionId !== undefined && this.options.fullSessions.has(sessionId)) {
      throw new ApiError(
        400,
        'session_page_limit_exceeded',
        'The session has reached its page limit; send later events to a new session.'
      )
    }
  }

  private readonly deleteUserByUid: Route = {
    post: false,
    roles: VIEW_OR_DELETE,
    run: ({ query }) => {
      const uids = query.getAll('uid')
      if (uids.length === 0 || !uids[0]) throw requiredField('uid')
      if (uids.length > 1) throw invalid('give one uid')
      const user = this.store.userByUid(uids[0])
      if (!user) throw userNotFound()
      this.store.deleteUser(user)
      return { status: 200, body: {} }
    }
  }

  private deleteUserById(id: string): Route {
    return {
      post: false,
      roles: VIEW_OR_DELETE,
      run: ({ query }) => {
        if (query.has('uid')) throw invalid('give either the user id in the path or uid in the query, not both')
        const user = this.store.userById(id)
        if (!user) throw userNotFound()
        this.store.deleteUser(user)
        return { status: 200, body: {} }
      }
    }
  }

  private getUser(id: string): Route {
    return {
      post: false,
      roles: VIEW_OR_DELETE,
      run: ({ query }) => {
        const user = this.store.userById(id)
        if (!user) throw userNotFound()
        return {
          status: 200,
          body: { ...userView(user, query.get('include_schema') === 'true'), is_being_deleted: false }
        }
      }
    }
  }

  private createJob(kind: JobKind): Route {
    return {
      post: true,
      run: ({ body, now }) => {
        const { requests, shared } = checkBatchEnvelope(body, kind)
        const imports: JsonObject[] = []
        const errors: JobError[] = []
        const jobRef = { job: '' }
        for (const row of requests) {
          try {
            imports.push(kind === 'users' ? this.importUser(row, now) : this.importEvent(row, shared, jobRef, now))
          } catch (error) {
            if (!(error instanceof ApiError)) throw error
            const failure: JobError = { code: error.code, message: error.message }
            if (kind === 'users') failure.user = row
            else {
              failure.event = row
              if (shared) failure.shared = shared
            }
            errors.push(failure)
          }
        }
        const job = this.store.addJob(kind, imports, errors, now)
        jobRef.job = job.id
        return { status: 200, body: { job: { id: job.id, status: 'PROCESSING', created: job.created } } }
      }
    }
  }

  private importUser(row: unknown, now: string): JsonObject {
    checkUser(row, true)
    return userView(this.store.upsertUser(row, now), true)
  }

  /** `jobRef` is filled with the job's id once the job exists, so stored events name their job. */
  private importEvent(row: unknown, shared: JsonObject | undefined, jobRef: { job: string }, now: string): JsonObject {
    const who = checkEvent(row)
    this.checkSessionNotFull(who.form === 'session' ? who.sessionId : undefined)
    const body = row as JsonObject
    const withContext = shared?.context !== undefined ? { ...body, context: shared.context } : body
    const event = this.store.addEvent(withContext, who, jobRef, now)
    const view: JsonObject = { name: event.name, timestamp: event.timestamp }
    if (event.user) view.user = event.user
    if (event.session?.id) view.session = { id: event.session.id }
    if (event.context) view.context = event.context
    if (event.properties) view.properties = event.properties
    if (event.schema) view.schema = event.schema
    return view
  }

  private jobDone(job: StoredJob): boolean {
    return job.polls > this.options.jobPollsBeforeDone
  }

  private findJob(kind: JobKind, id: string): StoredJob {
    const job = this.store.job(id, kind)
    if (!job) throw new ApiError(404, 'resource_not_found', `no ${kind} batch import job with that id`)
    return job
  }

  private jobStatus(kind: JobKind, id: string): Route {
    return {
      post: false,
      run: ({ now }) => {
        const job = this.findJob(kind, id)
        job.polls += 1
        if (!this.jobDone(job)) {
          return { status: 200, body: { imports: 0, job: { id: job.id, status: 'PROCESSING', created: job.created } } }
        }
        job.finished ??= now
        const body: JsonObject = {
          imports: job.imports.length,
          job: { id: job.id, status: job.outcome, created: job.created, finished: job.finished }
        }
        if (job.outcome === 'FAILED') body.errors = job.errors.length
        return { status: 200, body }
      }
    }
  }

  private jobResults(kind: JobKind, id: string, which: 'imports' | 'errors'): Route {
    return {
      post: false,
      run: ({ query }) => {
        const job = this.findJob(kind, id)
        if (!this.jobDone(job)) return { status: 202, body: {} }
        const rows: unknown[] = which === 'imports' ? job.imports : job.errors
        const token = query.get('page_token')
        if (token !== null && !/^\d+$/.test(token)) throw invalid('page_token is not one this API returned')
        const start = token === null ? 0 : Number(token)
        const end = start + this.options.pageSize
        const body: JsonObject = { results: rows.slice(start, end), total_records: String(rows.length) }
        if (end < rows.length) body.next_page_token = String(end)
        return { status: 200, body }
      }
    }
  }
}

function userNotFound(): ApiError {
  return new ApiError(404, 'user_not_found', 'User with that ID does not exist')
}

function userView(user: StoredUser, includeSchema: boolean): JsonObject {
  const view: JsonObject = { id: user.id }
  if (user.uid !== undefined) view.uid = user.uid
  if (user.display_name !== undefined) view.display_name = user.display_name
  if (user.email !== undefined) view.email = user.email
  view.properties = user.properties
  if (includeSchema) view.schema = { properties: user.schema }
  return view
}
