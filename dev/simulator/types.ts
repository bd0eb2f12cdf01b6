/** The simulator's records and options. Field names follow FullStory's JSON where they mirror it. */

/** Roles of FullStory API keys, as `GET /me` names them (Standard is `USER`). */
export type Role = 'ADMIN' | 'ARCHITECT' | 'USER'

export type JsonObject = Record<string, unknown>

/** A user as the simulator holds it after one or more upserts. */
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

/** An accepted event, with the user it was attached to. */
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
  /** `api` for POST /v2/events, or the id of the batch import job that carried it. */
  source: 'api' | { job: string }
}

export type JobKind = 'users' | 'events'
export type JobStatus = 'PROCESSING' | 'COMPLETED' | 'FAILED'

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

/** One line of the request log (`GET /simulator/requests`). */
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

export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  host?: string
  /**
   * Accepted API keys: a list (each with the Admin role) or a map key -> role. When absent, any
   * non-empty key is accepted with `defaultRole`.
   */
  keys?: string[] | Record<string, Role>
  /** The role of any key when `keys` is absent (default ADMIN). */
  defaultRole?: Role
  /** A fault applied to every API request of this run (same syntax as the X-Simulator-Fault header). */
  fault?: string
  /** Session ids that are "full": explicit targeting of them gets 400 session_page_limit_exceeded. */
  fullSessions?: string[]
  /** Status polls a batch job answers PROCESSING before it is done (default 0: done at the first poll). */
  jobPollsBeforeDone?: number
  /** Rows per page of a job's /imports and /errors (default 1000). */
  pageSize?: number
  /** How long an Idempotency-Key is remembered (default 24 h, as FullStory documents). */
  idempotencyTtlMs?: number
  /** Largest request body accepted (default 64 MiB; FullStory's own limit is not published). */
  maxBodyBytes?: number
  /** How many request records are kept for `GET /simulator/requests` (default 10000). */
  requestLogSize?: number
}
