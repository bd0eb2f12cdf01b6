/**
 * FullStory v2 request and answer bodies as we send and read them, in FullStory's own field names
 * (https://developer.fullstory.com/server/; docs/fullstory-api.md).
 */

/** The property types FullStory's `schema` knows; a plural types a list. */
export const PROPERTY_TYPES = ['str', 'strs', 'int', 'ints', 'real', 'reals', 'bool', 'bools', 'date', 'dates'] as const
export type PropertyType = typeof PROPERTY_TYPES[number]

/** `schema`: property types by dotted path, e.g. `{ properties: { 'address.zip': 'str' } }`. */
export interface PropertySchema {
  properties: Record<string, PropertyType>
}

/** Body of `POST /v2/users`, and a row of `POST /v2/users/batch`. */
export interface CreateUserRequest {
  uid?: string
  display_name?: string
  email?: string
  properties?: Record<string, unknown>
  schema?: PropertySchema
}

export interface EventUser {
  uid?: string
  id?: string
}

export interface EventSession {
  id?: string
  use_most_recent?: boolean
}

export interface EventContext {
  browser?: { url?: string; user_agent?: string; initial_referrer?: string }
  mobile?: { app_id?: string; app_name?: string; app_version?: string }
  device?: { manufacturer?: string; model?: string; screen_width?: number; screen_height?: number }
  location?: {
    ip_address?: string
    city?: string
    country?: string
    region?: string
    latitude?: number
    longitude?: number
  }
}

/** Body of `POST /v2/events`, and a row of `POST /v2/events/batch`. */
export interface CreateEventRequest {
  name: string
  timestamp?: string
  user?: EventUser
  session?: EventSession
  context?: EventContext
  properties?: Record<string, unknown>
  schema?: PropertySchema
}

export type JobStatus = 'PROCESSING' | 'COMPLETED' | 'FAILED'

/** Answer of a batch import job's creation, and `job` of its status. */
export interface JobAnswer {
  job?: { id?: string; status?: JobStatus }
}

/** Answer of `GET /v2/{users|events}/batch/{id}`. */
export interface JobStatusAnswer extends JobAnswer {
  imports?: number
  errors?: number
}

/** Answer of `GET /v2/{users|events}/batch/{id}/errors`: each refused row echoed. */
export interface JobErrorsAnswer {
  results?: { code?: string; message?: string; user?: unknown; event?: unknown }[]
  next_page_token?: string
}
