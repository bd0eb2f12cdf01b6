import { readFileSync } from 'fs'
import { join } from 'path'
import { inspect } from 'util'
import { Destination } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import definition from '../../src'
import type { Settings } from '../../src/generated-types'
import { pointedAt } from '../../dev/pointed'
import { startSimulator } from '../../dev/simulator'
import type { Simulator, SimulatorOptions } from '../../dev/simulator'
import { startWire } from './wire'
import type { Wire } from './wire'

/**
 * Shared by the end-to-end suites of test/e2e: the API keys they use, the destination's presets (and
 * the documented page-call recipe) as subscriptions, the simulator with destinations pointed at it
 * (optionally through a relay that records the exact bytes sent), a watch for leaked secrets and a
 * bounded task runner.
 */

/** The Admin key the simulator accepts in every suite: distinctive, so that a leak is unmistakable. */
export const API_KEY = 'na1.E2E-reliability-admin-key-7d1f0c93b4a2'
/** A Standard (USER role) key: it may send users and events, not delete them. */
export const STANDARD_KEY = 'na1.E2E-reliability-standard-key-52e8a9c1'
/** A key the simulator does not know (401). */
export const UNKNOWN_KEY = 'na1.E2E-reliability-revoked-key-0b6d3f7e'
export const TEST_KEYS = [API_KEY, STANDARD_KEY, UNKNOWN_KEY] as const

export interface SubscriptionSetting {
  subscribe: string
  partnerAction: string
  mapping: JSONObject
}

/** The name the page-call recipe goes by among the presets' names (it is documented, not a preset). */
export const PAGE_RECIPE = 'Page calls (docs/page-calls.md)'

/**
 * The page-call recipe as docs/page-calls.md gives it to admins (a Track Custom Event mapping on
 * `type = "page"`), read from the docs themselves.
 */
export function pageRecipe(): SubscriptionSetting {
  const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'page-calls.md'), 'utf8')
  const json = /```json\n([^]*?)```/.exec(docs)?.[1]
  if (!json) throw new Error('docs/page-calls.md holds no JSON subscription')
  return JSON.parse(json) as SubscriptionSetting
}

/**
 * Every preset, then the page-call recipe (or those named, PAGE_RECIPE for the recipe), as
 * subscriptions as Segment's pipeline hands them over, optionally with mapping overrides: what a
 * workspace that kept the presets and added page calls holds.
 */
export function presetSubscriptions(overrides: JSONObject = {}, names?: readonly string[]): SubscriptionSetting[] {
  const named: [string, SubscriptionSetting][] = (definition.presets ?? []).map((preset) => {
    if (!('subscribe' in preset) || !preset.subscribe) throw new Error(`preset ${preset.name} has no subscribe`)
    const { subscribe, partnerAction, mapping } = preset
    return [preset.name ?? '', { subscribe, partnerAction, mapping: mapping as JSONObject }]
  })
  named.push([PAGE_RECIPE, pageRecipe()])
  if (names) {
    const unknown = names.filter((name) => !named.some(([known]) => known === name))
    if (unknown.length > 0) throw new Error(`no preset named ${unknown.join(', ')}`)
  }
  return named
    .filter(([name]) => !names || names.includes(name))
    .map(([, subscription]) => ({ ...subscription, mapping: { ...subscription.mapping, ...overrides } }))
}

/**
 * Settings for `Destination.onEvent` / `onBatch`: the API key and the presets and the page-call recipe
 * (or those named) as subscriptions.
 */
export function presetSettings(
  apiKey: string = API_KEY,
  overrides: JSONObject = {},
  names?: readonly string[]
): JSONObject {
  return { apiKey, subscriptions: presetSubscriptions(overrides, names) } as unknown as JSONObject
}

/** The same, with Send in Batches on (what Segment's pipeline sends when it batches). */
export function batchSettings(apiKey: string = API_KEY, names?: readonly string[]): JSONObject {
  return presetSettings(apiKey, { enable_batching: true }, names)
}

export interface E2eSimulator {
  sim: Simulator
  /** The recording relay the destination sends through (with `wire: true`). */
  wire?: Wire
  /** A destination sending to the simulator (or the relay); `timeoutMs` gives up on an answer sooner. */
  destination(timeoutMs?: number): Destination<Settings>
  /** Closes the relay and the simulator. */
  stop(): Promise<void>
}

/**
 * A simulator on 127.0.0.1 that knows the test keys (API_KEY Admin, STANDARD_KEY Standard), and
 * destinations pointed at it (dev/pointed.ts), or, with `wire: true`, at a relay to it that records
 * every request's exact bytes (wire.ts).
 */
export async function startE2eSimulator(options: SimulatorOptions & { wire?: boolean } = {}): Promise<E2eSimulator> {
  const { wire: withWire, ...simulatorOptions } = options
  const sim = await startSimulator({
    port: 0,
    keys: { [API_KEY]: 'ADMIN', [STANDARD_KEY]: 'USER' },
    ...simulatorOptions
  })
  const wire = withWire ? await startWire(sim.url) : undefined
  return {
    sim,
    wire,
    destination: (timeoutMs) => new Destination(pointedAt(definition, { url: wire?.url ?? sim.url, timeoutMs })),
    async stop() {
      await wire?.close()
      await sim.close()
    }
  }
}

/** Waits (polling) until `condition` holds; fails after `timeoutMs`. For background work, not timing. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Runs every task with at most `limit` running at once; results in task order. */
export async function runLimited<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await tasks[index]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

/** Length in code points (what JSON Schema's maxLength counts). */
export function codePoints(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** Whitespace and the invisible characters an echo may slip between a secret's characters. */
const FILLER = /[\s\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g

/** `text` without whitespace and invisible characters: a secret spread out by them is whole again. */
export function withoutFiller(text: string): string {
  return text.replace(FILLER, '')
}

/**
 * The forms a secret may be echoed in (docs/rules.md#what-errors-never-say): as it is, percent-encoded,
 * hex (either case), and base64 (and its URL-safe alphabet) at each of the three byte alignments it
 * may have inside a longer encoded text (`user:key`), there as the characters that depend on its
 * bytes alone.
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const hex = bytes.toString('hex')
  const forms = [secret, encodeURIComponent(secret), hex, hex.toUpperCase()]
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString('base64')
    // the first group mixes the bytes before the secret; the last one, those after it
    const own = encoded.slice(shift === 0 ? 0 : 4, 4 * Math.floor((shift + bytes.length) / 3))
    forms.push(own, own.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return [...new Set(forms)]
}

/**
 * Watches everything a suite gets back (errors with their stacks and own fields, results, log lines,
 * HTTP answers) for secrets, in every form of `secretForms`, also when whitespace or invisible
 * characters are spread between their characters.
 */
export class SecretWatch {
  /** How many values were checked. */
  checked = 0
  /** Where a secret was seen (empty when none leaked). */
  readonly leaks: string[] = []
  private readonly needles: string[]

  constructor(secrets: readonly string[]) {
    this.needles = [...new Set(secrets.flatMap(secretForms))]
  }

  /** The text forms of a value that could reach a log: message, stack, inspected fields, JSON. */
  static texts(value: unknown): string[] {
    if (typeof value === 'string') return [value]
    const texts = [inspect(value, { depth: 8, showHidden: false, maxStringLength: Infinity, maxArrayLength: 1000 })]
    if (value instanceof Error) texts.push(String(value.message), String(value.stack))
    try {
      texts.push(JSON.stringify(value) ?? '')
    } catch {
      // circular: the inspected form above covers it
    }
    return texts
  }

  check(value: unknown, where: string): void {
    this.checked++
    for (const text of SecretWatch.texts(value).flatMap((text) => [text, withoutFiller(text)])) {
      if (this.needles.some((needle) => text.includes(needle))) {
        this.leaks.push(where)
        return
      }
    }
  }
}
