import { EventEmitter } from 'events'
import {
  createRequestClient,
  Destination,
  type DestinationDefinition,
  type JSONObject,
  type SegmentEvent
} from '@segment/actions-core'
import type { Settings } from '../src/generated-types'
import { loadBuilt, settingsWith, type Subscription } from './destination'
import { measure, pool, type Measurement } from './measure'
import type { PreparedRequest } from './requests'

/** The timed phases. Each checks that every event or request succeeded: a failed one stops the bench. */

/** Single events in flight at once (Segment's pipeline delivers many events to a destination concurrently). */
export const CONCURRENCY = 32
/** Events per onBatch call (Segment's usual batch size, and the destination's default Batch Size). */
export const BATCH_SIZE = 1000
/** Batches in flight at once. */
export const BATCH_CONCURRENCY = 2

/** 1. Every event through `Destination.onEvent`, with the presets as subscriptions. */
export function singleEvents(
  destination: Destination<Settings>,
  events: SegmentEvent[],
  subscriptions: Subscription[]
): Promise<Measurement> {
  const settings = settingsWith(subscriptions)
  return measure(events.length, () =>
    pool(events.length, CONCURRENCY, async (i) => {
      await destination.onEvent(events[i], settings)
    })
  )
}

interface ApiModule {
  REQUEST_TIMEOUT_MS: number
}

/** The request timeout `callFullStory` passes (FULLSTORY_TIMEOUT_MS is not set in the bench). */
export function requestTimeoutMs(): number {
  return loadBuilt<ApiModule>('fullstory/api.js').REQUEST_TIMEOUT_MS
}

/**
 * 2. The ceiling: the same requests posted straight to the simulator with actions-core's request
 * client, built as actions-core builds the destination's (`createRequestClient` with the
 * destination's `extendRequest` headers and an afterResponse hook like the framework's), and called
 * with the options `callFullStory` passes. No mapping, no validation, no builders.
 */
export function ceiling(
  definition: DestinationDefinition<Settings>,
  requests: PreparedRequest[]
): Promise<Measurement> {
  const timeout = requestTimeoutMs()
  const settings = settingsWith([]) as unknown as Settings
  const emitter = new EventEmitter()
  const client = createRequestClient(definition.extendRequest?.({ settings, payload: undefined }) ?? {}, {
    afterResponse: [
      (request, options, response) => {
        const modified = response as typeof response & { request: unknown; options: unknown }
        modified.request = request
        modified.options = options
        emitter.emit('response', modified)
        return modified
      }
    ]
  })
  return measure(requests.length, () =>
    pool(requests.length, CONCURRENCY, async (i) => {
      const { url, method, json, idempotencyKey } = requests[i]
      const response = await client(url, {
        method,
        json,
        searchParams: undefined,
        headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : undefined,
        throwHttpErrors: false,
        timeout
      })
      if (response.status < 200 || response.status >= 300) throw new Error(`ceiling request got ${response.status}`)
    })
  )
}

/** One `onBatch` call: events of one subscription, and settings holding that subscription. */
export interface Batch {
  events: SegmentEvent[]
  settings: JSONObject
}

/** The events grouped as Segment batches them: per subscription, in chunks of BATCH_SIZE. */
export function batchesOf(events: SegmentEvent[], subscriptions: Subscription[]): Batch[] {
  const groups = new Map<Subscription, SegmentEvent[]>()
  for (const event of events) {
    const subscription = subscriptions.find((s) => s.subscribe === `type = "${event.type}"`)
    if (!subscription) throw new Error(`no subscription for ${event.type}`)
    groups.set(subscription, [...(groups.get(subscription) ?? []), event])
  }
  const batches: Batch[] = []
  for (const [subscription, grouped] of groups) {
    for (let start = 0; start < grouped.length; start += BATCH_SIZE) {
      batches.push({ events: grouped.slice(start, start + BATCH_SIZE), settings: settingsWith([subscription]) })
    }
  }
  return batches
}

/** 4. The same events through `onBatch`, one subscription per batch (with enable_batching on). */
export function batchEvents(destination: Destination<Settings>, batches: Batch[]): Promise<Measurement> {
  const count = batches.reduce((sum, batch) => sum + batch.events.length, 0)
  return measure(count, () =>
    pool(batches.length, BATCH_CONCURRENCY, async (i) => {
      const results = (await destination.onBatch(batches[i].events, batches[i].settings)) as {
        multistatus?: { status: number; errormessage?: string }[]
      }[]
      const statuses = results.flatMap((result) => result.multistatus ?? [])
      const failed = statuses.find((entry) => entry.status !== 200)
      if (statuses.length !== batches[i].events.length || failed) {
        throw new Error(`batch ${i}: ${failed ? `${failed.status} ${failed.errormessage}` : 'missing results'}`)
      }
    })
  )
}

interface PropertiesModule {
  normalizeProperties(input: unknown, declared?: Record<string, unknown>): { properties: Record<string, unknown> }
}

/** 5. normalizeProperties alone, on one realistic traits object, for about `durationMs`. */
export async function propertiesAlone(
  traits: Record<string, unknown>,
  durationMs: number,
  dist?: string
): Promise<Measurement> {
  const { normalizeProperties } = loadBuilt<PropertiesModule>('fullstory/properties.js', dist)
  for (let i = 0; i < 2000; i++) normalizeProperties(traits) // warm up
  let iterations = 0
  return measure(0, async () => {
    const end = process.hrtime.bigint() + BigInt(durationMs) * 1_000_000n
    while (process.hrtime.bigint() < end) {
      for (let i = 0; i < 200; i++) normalizeProperties(traits)
      iterations += 200
    }
  }).then((m) => ({ ...m, items: iterations }))
}
