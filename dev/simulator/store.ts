import { randomUUID } from 'crypto'
import { ApiError } from './errors'
import { isPlainObject } from './property-rules'
import type { Identification } from './request-rules'
import type { JobError, JobKind, JsonObject, StoredEvent, StoredJob, StoredUser } from './types'

/**
 * What the simulator accepted, in memory: users (upserted by uid, as FullStory does), events and
 * batch import jobs. Nothing here validates; callers pass bodies that the rules have checked.
 */
export class Store {
  private readonly usersById = new Map<string, StoredUser>()
  private readonly usersByUid = new Map<string, StoredUser>()
  private readonly eventList: StoredEvent[] = []
  private readonly jobsById = new Map<string, StoredJob>()
  private nextUserId = 1
  private nextEventSeq = 1

  users(): StoredUser[] {
    return [...this.usersById.values()]
  }

  events(): StoredEvent[] {
    return this.eventList.slice()
  }

  jobs(): StoredJob[] {
    return [...this.jobsById.values()]
  }

  userById(id: string): StoredUser | undefined {
    return this.usersById.get(id)
  }

  userByUid(uid: string): StoredUser | undefined {
    return this.usersByUid.get(uid)
  }

  job(id: string, kind: JobKind): StoredJob | undefined {
    const job = this.jobsById.get(id)
    return job && job.kind === kind ? job : undefined
  }

  clear(): void {
    this.usersById.clear()
    this.usersByUid.clear()
    this.eventList.length = 0
    this.jobsById.clear()
  }

  private newUser(uid: string | undefined, now: string): StoredUser {
    const id = String(this.nextUserId++)
    const user: StoredUser =
      uid === undefined
        ? { id, properties: {}, schema: {}, upserts: 0, created: now, updated: now }
        : { id, uid, properties: {}, schema: {}, upserts: 0, created: now, updated: now }
    if (uid !== undefined) this.usersByUid.set(uid, user)
    this.usersById.set(id, user)
    return user
  }

  /**
   * `POST /v2/users` (and a batch row): updates the user who has this uid, or creates one. A body
   * without uid creates a new anonymous user every time. Properties are merged, the newest value wins.
   * A batch row may name the user by FullStory `id` instead.
   */
  upsertUser(body: JsonObject, now: string): StoredUser {
    const uid = body.uid as string | undefined
    const id = body.id as string | undefined
    let user: StoredUser | undefined
    if (id !== undefined) {
      user = this.usersById.get(id)
      if (!user) throw new ApiError(404, 'user_not_found', 'User with that ID does not exist')
      if (uid !== undefined && user.uid !== undefined && user.uid !== uid) {
        throw new ApiError(400, 'invalid_argument', 'the uid of an identified user cannot be changed')
      }
      if (uid !== undefined && user.uid === undefined) {
        user.uid = uid
        this.usersByUid.set(uid, user)
      }
    } else if (uid !== undefined) {
      user = this.usersByUid.get(uid)
    }
    user ??= this.newUser(uid, now)
    if (body.display_name !== undefined) user.display_name = body.display_name as string
    if (body.email !== undefined) user.email = body.email as string
    if (body.properties) merge(user.properties, body.properties as JsonObject)
    const schema = (body.schema as { properties?: Record<string, string> } | undefined)?.properties
    if (schema) Object.assign(user.schema, schema)
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
      if (!user) throw new ApiError(404, 'user_not_found', 'User with that ID does not exist')
    } else if (who.form === 'user' || who.form === 'session_uid') {
      const uid = who.uid as string
      user = this.usersByUid.get(uid) ?? this.newUser(uid, now)
    } else if (who.form === 'none') {
      // FullStory attaches an event without identification to a new anonymous user.
      user = this.newUser(undefined, now)
    }
    const event: StoredEvent = {
      seq: this.nextEventSeq++,
      name: body.name as string,
      timestamp: (body.timestamp as string | undefined) ?? now,
      received: now,
      source
    }
    if (body.properties !== undefined) event.properties = body.properties as JsonObject
    if (body.schema !== undefined) event.schema = body.schema as JsonObject
    if (body.context !== undefined) event.context = body.context as JsonObject
    if (user) event.user = user.uid === undefined ? { id: user.id } : { id: user.id, uid: user.uid }
    if (body.session !== undefined) event.session = body.session as StoredEvent['session']
    this.eventList.push(event)
    return event
  }

  addJob(kind: JobKind, imports: JsonObject[], errors: JobError[], now: string): StoredJob {
    const job: StoredJob = {
      id: randomUUID(),
      kind,
      created: now,
      outcome: errors.length > 0 ? 'FAILED' : 'COMPLETED',
      polls: 0,
      imports,
      errors
    }
    this.jobsById.set(job.id, job)
    return job
  }
}

/** Deep merge of properties: nested objects merge, anything else is replaced by the newer value. */
function merge(target: JsonObject, source: JsonObject): void {
  for (const key of Object.keys(source)) {
    const value = source[key]
    const current = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined
    if (isPlainObject(value) && isPlainObject(current)) merge(current, value)
    else if (isPlainObject(value)) {
      const copy: JsonObject = {}
      merge(copy, value)
      defineOwn(target, key, copy)
    } else defineOwn(target, key, value)
  }
}

/** Sets an own property even for names such as `__proto__`. */
function defineOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}
