import type { DestinationDefinition, RequestClient } from '@segment/actions-core'
import { FULLSTORY_API_URL } from '../src/api/client'

export interface PointOptions {
  /** Where FullStory's API is instead (a simulator, a relay), e.g. `http://127.0.0.1:4100`. */
  url: string
  /**
   * Gives up on an answer after this long (actions-core's `timeout`, and node-fetch's for the body),
   * for tests that need less than the destination's own deadline.
   */
  timeoutMs?: number
}

type Run<Args extends unknown[], Result> = (request: RequestClient, ...args: Args) => Result

/**
 * The destination, sending to `url` what it would send to FullStory. It wraps the request client each
 * action, the key test and the deletion get: the destination itself is not changed, and several can
 * point at several simulators in one process.
 */
export function pointedAt<Settings>(
  definition: DestinationDefinition<Settings>,
  { url, timeoutMs }: PointOptions
): DestinationDefinition<Settings> {
  const base = url.replace(/\/+$/, '')
  const redirect = (request: RequestClient): RequestClient =>
    ((target: string, options: Parameters<RequestClient>[1] = {}) =>
      request(target.startsWith(FULLSTORY_API_URL) ? base + target.slice(FULLSTORY_API_URL.length) : target, {
        ...options,
        ...(timeoutMs === undefined ? {} : { timeout: timeoutMs })
      })) as RequestClient
  function wrap<Args extends unknown[], Result>(run: Run<Args, Result>): Run<Args, Result>
  function wrap<Args extends unknown[], Result>(run: Run<Args, Result> | undefined): Run<Args, Result> | undefined
  function wrap<Args extends unknown[], Result>(run: Run<Args, Result> | undefined) {
    return run && ((request: RequestClient, ...args: Args) => run(redirect(request), ...args))
  }
  const actions = Object.fromEntries(
    Object.entries(definition.actions).map(([key, action]) => [
      key,
      { ...action, perform: wrap(action.perform), performBatch: wrap(action.performBatch) }
    ])
  )
  return {
    ...definition,
    authentication: definition.authentication && {
      ...definition.authentication,
      testAuthentication: wrap(definition.authentication.testAuthentication)
    },
    onDelete: wrap(definition.onDelete),
    actions
  } as DestinationDefinition<Settings>
}
