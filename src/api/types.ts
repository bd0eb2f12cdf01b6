/**
 * FullStory v2 request and response bodies (https://developer.fullstory.com/server/; docs/fullstory-api.md), as we send and
 * read them. Field names are FullStory's own (snake_case).
 */

// ---------------------------------------------------------------------------------------------
// Properties and schema (shared by users and events)
// ---------------------------------------------------------------------------------------------

/** The property types FullStory's `schema` knows; the plural forms type lists. */
export type PropertyType = 'str' | 'strs' | 'int' | 'ints' | 'real' | 'reals' | 'bool' | 'bools' | 'date' | 'dates'

/** `schema`: property types by dotted path, e.g. `{ properties: { 'address.zip': 'str' } }`. */
export interface PropertySchema {
  properties: Record<string, PropertyType>
}

/** `properties`: names `[A-Za-z][A-Za-z0-9_]*`, values scalars, lists of scalars or nested objects. */
export type Properties = Record<string, unknown>

// ---------------------------------------------------------------------------------------------
// Users: POST /v2/users
// ---------------------------------------------------------------------------------------------

/** Body of `POST /v2/users` (create or update by `uid`), and one row of `POST /v2/users/batch`. */
export interface CreateUserRequest {
  /** Our ID for the user, at most 256 characters. */
  uid?: string
  /** At most 256 characters. */
  display_name?: string
  /** At most 128 characters. */
  email?: string
  properties?: Properties
  schema?: PropertySchema
}

/** Answer of `POST /v2/users`: FullStory's own id for the user. */
export interface CreateUserResponse {
  id: string
}

// ---------------------------------------------------------------------------------------------
// Events: POST /v2/events (added by Track Custom Event)
// ---------------------------------------------------------------------------------------------

/** `user`: whose event it is, by our `uid` (at most 256 characters) or FullStory's own user `id`. */
export interface EventUser {
  uid?: string
  id?: string
}

/**
 * `session`: which session the event belongs to, either a session `id` (`<deviceId>:<sessionId>`),
 * or `use_most_recent: true` with a `user` (the user's session active in the last 30 minutes).
 */
export interface EventSession {
  id?: string
  use_most_recent?: boolean
}

/** `context.browser`. */
export interface EventBrowserContext {
  url?: string
  user_agent?: string
  initial_referrer?: string
}

/** `context.mobile`. */
export interface EventMobileContext {
  app_id?: string
  app_name?: string
  app_version?: string
  build_variant?: string
}

/** `context.device`: screen and viewport sizes are int32. */
export interface EventDeviceContext {
  manufacturer?: string
  model?: string
  screen_width?: number
  screen_height?: number
  viewport_width?: number
  viewport_height?: number
}

/** `context.location`: `country` ISO 3166-1 alpha-2, `region` ISO 3166-2, coordinates doubles. */
export interface EventLocationContext {
  ip_address?: string
  city?: string
  country?: string
  region?: string
  latitude?: number
  longitude?: number
}

/** `context`: where the event happened. */
export interface EventContext {
  browser?: EventBrowserContext
  mobile?: EventMobileContext
  device?: EventDeviceContext
  location?: EventLocationContext
}

/**
 * Body of `POST /v2/events`, and one row of `POST /v2/events/batch`. Exactly one identification form:
 * `session.id` alone, or `user` (with `session.use_most_recent: true` or no `session`).
 */
export interface CreateEventRequest {
  /** Required and non-empty. */
  name: string
  /** ISO-8601; FullStory uses its receive time when absent. */
  timestamp?: string
  user?: EventUser
  session?: EventSession
  context?: EventContext
  properties?: Properties
  schema?: PropertySchema
}

// ---------------------------------------------------------------------------------------------
// Batch import jobs: POST /v2/users/batch, POST /v2/events/batch
// ---------------------------------------------------------------------------------------------

/** `PROCESSING` until FullStory has imported every row; `FAILED` when any row failed. */
export type JobStatus = 'PROCESSING' | 'COMPLETED' | 'FAILED'

/** Answer of a batch job creation. Row failures are reported later, by the job's `/errors` route. */
export interface BatchJobResponse {
  job: {
    id: string
    status: JobStatus
    created?: string
    finished?: string
  }
}
