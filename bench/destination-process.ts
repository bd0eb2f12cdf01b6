import type { Destination, DestinationDefinition, JSONObject, RequestClient, SegmentEvent } from '@segment/actions-core'
import { DEV_API_KEY } from '../dev/constants'
import { BATCH_SIZE, benchEvents, CHUNK, EVENT_SETS, IN_FLIGHT, type EventSet } from './events'
import { serveParent } from './ipc'
import { measure, pool, type Measurement } from './measure'
import { profiled, type ProfileShares } from './profile'
import type { SideSpec } from './sides'

/**
 * A destination process: it loads ONE destination (ours or the published one, bench/sides.ts) and
 * sends the bench's events through it as Segment's runtime does (`onEvent` / `onBatch` with the
 * destination's presets as subscriptions), on the parent's command (bench/destination-child.ts).
 * Each timed run reports this process's own CPU time (`process.cpuUsage()`, all threads), so each
 * destination is charged only its own work: the stand-in FullStory runs in another process.
 */

/**
 * - `single`: every event through `onEvent`;
 * - `batch`: the events through `onBatch`, BATCH_SIZE a call (one at a time), with `enable_batching` on;
 * - `floor` / `batch-floor`: the same through a copy of the definition whose actions send nothing
 *   (perform and performBatch return at once): what actions-core's matching, mapping and validation
 *   of the destination's fields cost.
 */
export type Path = 'single' | 'batch' | 'floor' | 'batch-floor'

export type DestinationCommand =
  /** `chunk`: only that chunk (CHUNK events) of the set. */
  | { cmd: 'run'; set: EventSet; path: Path; chunk?: number; profile?: number }
  | { cmd: 'validate'; set: EventSet; path: 'single' | 'batch'; url: string }
  | { cmd: 'close' }

export interface RunResult {
  measured: Measurement
  /** With `profile: n`: the run repeated n times under the sampling profiler (not timed). */
  profile?: ProfileShares
}

/** Deliveries that failed, by their error message (FullStory's `code: message` when it answered). */
export interface Validation {
  sent: number
  failures: Record<string, number>
}

interface Loaded {
  destination: Destination
  floor: Destination
  singleSettings: JSONObject
  batchSettings: JSONObject
  hasBatchPath: boolean
}

const spec = JSON.parse(process.env.BENCH_SIDE ?? '{}') as SideSpec
/** Where requests go: the stand-in, or the strict simulator during a validation. */
let target = process.env.BENCH_TARGET_URL ?? ''

function setTarget(url: string): void {
  target = url
  if (!spec.fixedBaseUrl) process.env.FULLSTORY_API_URL = url
}

/** A request client that sends what the destination addresses to `fixedBaseUrl` to `target` instead. */
function redirected(request: RequestClient, fixedBaseUrl: string): RequestClient {
  return ((url: string, options) =>
    request(url.startsWith(fixedBaseUrl) ? target + url.slice(fixedBaseUrl.length) : url, options)) as RequestClient
}

function load(): Loaded {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const core = require(spec.core) as { Destination: typeof Destination }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const loaded = (require(spec.definition) as { default: DestinationDefinition<JSONObject> }).default
  const fixed = spec.fixedBaseUrl
  const withActions = (
    change: (action: DestinationDefinition<JSONObject>['actions'][string]) => object
  ): DestinationDefinition<JSONObject> => ({
    ...loaded,
    actions: Object.fromEntries(
      Object.entries(loaded.actions).map(([key, action]) => [key, { ...action, ...change(action) }])
    )
  })
  const definition = fixed
    ? withActions((action) => ({
        perform: (request: RequestClient, data: never) => action.perform(redirected(request, fixed), data),
        ...(action.performBatch
          ? {
              performBatch: (request: RequestClient, data: never) =>
                action.performBatch?.(redirected(request, fixed), data)
            }
          : {})
      }))
    : loaded
  const floor = withActions((action) => ({
    perform: () => undefined,
    ...(action.performBatch ? { performBatch: () => undefined } : {})
  }))
  // The destination's presets as subscriptions: what a new connection of it gets.
  const subscriptions = (batching: boolean) =>
    (loaded.presets ?? []).flatMap((preset) =>
      preset.type === 'automatic' && preset.subscribe
        ? [
            {
              subscribe: preset.subscribe,
              partnerAction: preset.partnerAction,
              mapping: { ...(preset.mapping ?? {}), ...(batching ? { enable_batching: true } : {}) }
            }
          ]
        : []
    )
  const settings = (batching: boolean) =>
    ({ apiKey: DEV_API_KEY, subscriptions: subscriptions(batching) } as unknown as JSONObject)
  return {
    destination: new core.Destination(definition),
    floor: new core.Destination(floor),
    singleSettings: settings(false),
    batchSettings: settings(true),
    hasBatchPath: Object.values(loaded.actions).some((action) => action.performBatch)
  }
}

const loaded = load()
const events = Object.fromEntries(EVENT_SETS.map((set) => [set, benchEvents(set)])) as Record<EventSet, SegmentEvent[]>

/**
 * actions-core's `Destination` keeps every response it saw in `destination.responses` (for its CLI
 * and tests). A long-running runtime must not let that grow (our local server empties it after each
 * call, dev/server/runtime.ts), and neither does the bench: left alone, it held every request and
 * response of the run (about 7 MB per 1,000 events, on either side), and each garbage collection
 * got slower as the run went on.
 */
async function forgettingResponses<T>(destination: Destination, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } finally {
    destination.responses.length = 0
  }
}

/** One delivery of one event; throws unless the action ran (an unsubscribed event is a failure here). */
async function deliver(destination: Destination, event: SegmentEvent): Promise<void> {
  const results = await forgettingResponses(destination, () => destination.onEvent(event, loaded.singleSettings))
  if (!results.some((result) => result.output === 'Action Executed')) {
    throw new Error(`event ${String(event.messageId)} not delivered: ${JSON.stringify(results)}`)
  }
}

/** One `onBatch` call; throws unless every event got a 2xx entry. */
async function deliverBatch(destination: Destination, batch: SegmentEvent[]): Promise<void> {
  const results = await forgettingResponses(destination, () => destination.onBatch(batch, loaded.batchSettings))
  const entries = results.flatMap((result) => result.multistatus ?? [])
  const failed = entries.find((entry) => entry.status < 200 || entry.status >= 300)
  if (failed || entries.length !== batch.length) {
    throw new Error(`batch not delivered: ${failed ? JSON.stringify(failed) : `${entries.length} entries`}`)
  }
}

function batchesOf(list: SegmentEvent[]): SegmentEvent[][] {
  const out: SegmentEvent[][] = []
  for (let start = 0; start < list.length; start += BATCH_SIZE) out.push(list.slice(start, start + BATCH_SIZE))
  return out
}

function runner(list: SegmentEvent[], path: Path): () => Promise<void> {
  if ((path === 'batch' || path === 'batch-floor') && !loaded.hasBatchPath) {
    throw new Error(`the ${spec.name} destination has no batch path`)
  }
  const destination = path === 'floor' || path === 'batch-floor' ? loaded.floor : loaded.destination
  if (path === 'single' || path === 'floor') {
    return () => pool(list.length, IN_FLIGHT, (i) => deliver(destination, list[i]))
  }
  const batches = batchesOf(list)
  return () => pool(batches.length, 1, (i) => deliverBatch(destination, batches[i]))
}

async function run(set: EventSet, path: Path, chunk?: number, profileRepeats = 0): Promise<RunResult> {
  const list = chunk === undefined ? events[set] : events[set].slice(chunk * CHUNK, (chunk + 1) * CHUNK)
  if (list.length === 0) throw new Error(`${set} has no chunk ${chunk}`)
  const go = runner(list, path)
  const measured = await measure(list.length, go)
  if (!profileRepeats) return { measured }
  const profile = await profiled(async () => {
    for (let i = 0; i < profileRepeats; i++) await go()
  }, spec.ownCode)
  return { measured, profile }
}

/** Why a delivery failed, in a few words: FullStory's answer when there was one. */
function reason(error: unknown): string {
  const response = (error as { response?: { status?: number; data?: unknown; content?: string } }).response
  if (response?.status) {
    const data = response.data as { code?: string; message?: string } | undefined
    return `${response.status} ${data?.code ?? ''}: ${data?.message ?? response.content ?? ''}`.slice(0, 300)
  }
  return String((error as Error)?.message ?? error).slice(0, 300)
}

/** Every event once to `url` (the strict simulator), failures counted rather than thrown. */
async function validate(set: EventSet, path: 'single' | 'batch', url: string): Promise<Validation> {
  const previous = target
  setTarget(url)
  const failures: Record<string, number> = {}
  const note = (error: unknown) => {
    const text = reason(error)
    failures[text] = (failures[text] ?? 0) + 1
  }
  try {
    const list = events[set]
    if (path === 'single') {
      await pool(list.length, IN_FLIGHT, (i) => deliver(loaded.destination, list[i]).catch(note))
    } else {
      const batches = batchesOf(list)
      await pool(batches.length, 1, (i) => deliverBatch(loaded.destination, batches[i]).catch(note))
    }
    return { sent: list.length, failures }
  } finally {
    setTarget(previous)
  }
}

setTarget(target)
serveParent<DestinationCommand>(
  {
    name: spec.name,
    hasBatchPath: loaded.hasBatchPath,
    counts: { tracks: events.tracks.length, identifies: events.identifies.length }
  },
  (command) => {
    switch (command.cmd) {
      case 'run':
        return run(command.set, command.path, command.chunk, command.profile)
      case 'validate':
        return validate(command.set, command.path, command.url)
      default:
        throw new Error(`unknown command ${command.cmd}`)
    }
  }
)
