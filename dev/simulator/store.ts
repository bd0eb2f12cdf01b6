import { randomUUID } from 'crypto'
import { HttpError } from '../http'
import { isPlainObject } from './rules'
import type { Identification, JsonObject } from './rules'

/**
 * What the simulator accepted, in memory: users (upserted by uid, as FullStory does), events and
 * batch import jobs. Nothing here validates; callers pass bodies the rules have checked. Field
 * names follow FullStory's JSON where they mirror it.
 */
export interface StoredUser {
  id: string
  uid?: string
  display_name?: string
  email?: string
  properties: JsonObject
  schema: Record<string, string>
  /** How many accepted upserts (single or batch rows) wrote to this user. */
  upserts: number
  created: string
  updated: string
}

export interface StoredEvent {
  /** The simulator's own sequence number (FullStory returns no event id). */
  seq: number
  name: string
  /** The request's timestamp, or the time it was received when absent. */
  timestamp: string
  properties?: JsonObject
  schema?: JsonObject
  context?: JsonObject
  /** The FullStory user the event went to; absent when it targeted a session id only. */
  user?: { id: string; uid?: string }
  session?: { id?: string; use_most_recent?: boolean; uid?: string }
  received: string
  /** `api` for POST /v2/events, or the batch import job that carried it. */
  source: 'api' | { job: string }
}

export type JobKind = 'users' | 'events'

/** A row of a job's `/errors`: FullStory's code and message, and the row refused (`user` or `event`). */
export interface JobError {
  code: string
  message: string
  user?: unknown
  event?: unknown
  shared?: unknown
}

/** A batch import job. Its rows are applied when it is created; it reports them once done. */
export interface StoredJob {
  id: string
  kind: JobKind
  created: string
  finished?: string
  /** The final status, reported once the job is done (see `jobPollsBeforeDone`). */
  outcome: 'COMPLETED' | 'FAILED'
  /** Status polls so far. */
  polls: number
  imports: JsonObject[]
  errors: JobError[]
}

export const userNotFound = () => new HttpError(404, 'user_not_found', 'User with that ID does not exist')

export class Store {
  readonly usersById = new Map<string, StoredUser>()
  readonly usersByUid = new Map<string, StoredUser>()
  readonly events: StoredEvent[] = []
  readonly jobs = new Map<string, StoredJob>()
  private nextUserId = 1

  clear(): void {
    this.usersById.clear()
    this.usersByUid.clear()
    this.events.length = 0
    this.jobs.clear()
  }

  private newUser(uid: string | undefined, now: string): StoredUser {
    const user: StoredUser = {
      id: String(this.nextUserId++),
      properties: {},
      schema: {},
      upserts: 0,
      created: now,
      updated: now
    }
    if (uid !== undefined) this.usersByUid.set((user.uid = uid), user)
    this.usersById.set(user.id, user)
    return user
  }

  /**
   * `POST /v2/users` (and a batch row): updates the user who has this uid (or, in a batch row, this
   * FullStory `id`), or creates one; without either, a new anonymous user every time. Properties
   * are merged, the newest value wins.
   */
  upsertUser(body: JsonObject, now: string): StoredUser {
    const uid = body.uid as string | undefined
    let user: StoredUser | undefined
    if (body.id !== undefined) {
      user = this.usersById.get(body.id as string)
      if (!user) throw userNotFound()
      if (uid !== undefined && user.uid !== undefined && user.uid !== uid) {
        throw new HttpError(400, 'invalid_argument', 'the uid of an identified user cannot be changed')
      }
      if (uid !== undefined && user.uid === undefined) this.usersByUid.set((user.uid = uid), user)
    } else if (uid !== undefined) user = this.usersByUid.get(uid)
    user ??= this.newUser(uid, now)
    if (body.display_name !== undefined) user.display_name = body.display_name as string
    if (body.email !== undefined) user.email = body.email as string
    if (body.properties) merge(user.properties, body.properties as JsonObject)
    Object.assign(user.schema, (body.schema as { properties?: object } | undefined)?.properties)
    user.upserts += 1
    user.updated = now
    return user
  }

  /** Removes a user (FullStory deletes asynchronously; the simulator at once). */
  deleteUser(user: StoredUser): void {
    this.usersById.delete(user.id)
    if (user.uid !== undefined) this.usersByUid.delete(user.uid)
  }

  /** `POST /v2/events` (and a batch row), once its identification is known. */
  addEvent(body: JsonObject, who: Identification, source: StoredEvent['source'], now: string): StoredEvent {
    let user: StoredUser | undefined
    if (who.form === 'user' && who.id !== undefined) {
      user = this.usersById.get(who.id)
      if (!user) throw userNotFound()
    } else if (who.form === 'user' || who.form === 'session_uid') {
      user = this.usersByUid.get(who.uid as string) ?? this.newUser(who.uid, now)
    } else if (who.form === 'none') user = this.newUser(undefined, now) // FullStory files it under a new anonymous user
    const { name, timestamp = now, properties, schema, context, session } = body as Partial<StoredEvent>
    const event = { seq: this.events.length + 1, name, timestamp, received: now, source } as StoredEvent
    for (const [key, value] of Object.entries({ properties, schema, context })) {
      if (value !== undefined) Object.assign(event, { [key]: value })
    }
    if (user) event.user = user.uid === undefined ? { id: user.id } : { id: user.id, uid: user.uid }
    if (session !== undefined) event.session = session
    this.events.push(event)
    return event
  }

  addJob(kind: JobKind, imports: JsonObject[], errors: JobError[], now: string): StoredJob {
    const outcome = errors.length > 0 ? 'FAILED' : 'COMPLETED'
    const job: StoredJob = { id: randomUUID(), kind, created: now, outcome, polls: 0, imports, errors }
    this.jobs.set(job.id, job)
    return job
  }
}

/** Deep merge of properties: nested objects merge, anything else is replaced by the newer value. */
function merge(target: JsonObject, source: JsonObject): void {
  for (const [key, value] of Object.entries(source)) {
    const current = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined
    if (isPlainObject(value) && isPlainObject(current)) merge(current, value)
    else {
      const copy = isPlainObject(value) ? {} : value
      if (isPlainObject(value)) merge(copy as JsonObject, value)
      // an own property even for names such as `__proto__`
      Object.defineProperty(target, key, { value: copy, enumerable: true, writable: true, configurable: true })
    }
  }
}
