import { join, resolve } from 'path'
import type { DestinationDefinition, JSONObject, RequestClient } from '@segment/actions-core'
import type { Settings } from '../src/generated-types'
import { DEV_API_KEY } from '../dev/constants'
import type { PreparedRequest } from './requests'

/**
 * The destination as the bench runs it: the BUILT package (`dist/`, what Segment loads), never the
 * TypeScript sources, so the figures are those of the shipped JavaScript. `npm run bench` builds first.
 * `BENCH_DIST=<dir>` runs another build instead (e.g. a copy of dist/ from before a change; it needs
 * a `node_modules` beside it), and then docs/benchmarks.md is left alone.
 */

export const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(__dirname, '..', 'dist')

/** The built package's modules, loaded at run time (dist/ need not exist when the bench is type-checked). */
export function loadBuilt<T>(relative: string, dist = DIST): T {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(join(dist, relative)) as T
}

export function builtDefinition(dist = DIST): DestinationDefinition<Settings> {
  return loadBuilt<{ default: DestinationDefinition<Settings> }>('index.js', dist).default
}

export interface Subscription {
  subscribe: string
  partnerAction: string
  mapping: JSONObject
}

/** The definition's presets as subscriptions (what Segment's pipeline hands the destination). */
export function presetSubscriptions(definition: DestinationDefinition<Settings>, batching = false): Subscription[] {
  return (definition.presets ?? []).flatMap((preset) =>
    preset.type === 'automatic' && preset.subscribe
      ? [
          {
            subscribe: preset.subscribe,
            partnerAction: preset.partnerAction,
            mapping: { ...(preset.mapping ?? {}), ...(batching ? { enable_batching: true } : {}) } as JSONObject
          }
        ]
      : []
  )
}

/** Settings for `onEvent`/`onBatch`: the API key the simulator accepts, and the subscriptions. */
export function settingsWith(subscriptions: Subscription[]): JSONObject {
  return { apiKey: DEV_API_KEY, subscriptions } as unknown as JSONObject
}

/**
 * The framework floor: a copy of the definition whose actions keep their fields (so actions-core
 * still resolves the mappings and validates the payloads) but whose perform and performBatch send
 * nothing and return at once. Built here, never in src/.
 */
export function floorDefinition(definition: DestinationDefinition<Settings>): DestinationDefinition<Settings> {
  const actions: DestinationDefinition<Settings>['actions'] = {}
  for (const [key, action] of Object.entries(definition.actions)) {
    actions[key] = {
      ...action,
      perform: () => undefined,
      performBatch: () => undefined
    }
  }
  return { ...definition, actions }
}

/**
 * The replay destination: the same framework path and the same request client as the destination,
 * but our per-event code replaced by a lookup. Each action's perform sends the request the real
 * destination built for that event (captured earlier, found by its Idempotency-Key, the messageId),
 * with the options `callFullStory` uses. The destination minus this run is the CPU of our code,
 * measured with everything else (framework, HTTP, their interplay) held the same.
 */
export function replayDefinition(
  definition: DestinationDefinition<Settings>,
  requests: Map<string, PreparedRequest>,
  timeoutMs: number
): DestinationDefinition<Settings> {
  const send = async (request: RequestClient, key: unknown) => {
    const captured = requests.get(String(key))
    if (!captured) throw new Error(`no captured request for ${String(key)}`)
    const response = await request(captured.url, {
      method: captured.method,
      json: captured.json,
      searchParams: undefined,
      headers: captured.idempotencyKey ? { 'Idempotency-Key': captured.idempotencyKey } : undefined,
      throwHttpErrors: false,
      timeout: timeoutMs
    })
    if (response.status < 200 || response.status >= 300) throw new Error(`replay got ${response.status}`)
    return response
  }
  const actions: DestinationDefinition<Settings>['actions'] = {}
  for (const [key, action] of Object.entries(definition.actions)) {
    actions[key] = {
      ...action,
      perform: (request, { payload }) => send(request, (payload as { idempotency_key?: string }).idempotency_key)
    }
  }
  return { ...definition, actions }
}
