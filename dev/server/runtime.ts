import { Destination, type JSONObject } from '@segment/actions-core'
import definition from '../../src'
import type { Settings } from '../../src/generated-types'
import { recording, recordingDefinition, type Recorded } from './exchanges'
import type { Secrets } from './redact'

/**
 * The destination as the server runs it: one actions-core `Destination` (with exchange recording),
 * the API key the server delivers with, and the secrets no answer or log line may show.
 */
export interface Subscription {
  name: string
  subscribe: string
  partnerAction: string
  mapping: JSONObject
}

export class Runtime {
  readonly destination = new Destination<Settings>(recordingDefinition(definition))
  /** The destination's automatic presets, each as a subscription (what Segment's app creates by default). */
  readonly subscriptions: readonly Subscription[]

  constructor(
    /** The FullStory API key deliveries use when a call's settings name none. */
    readonly apiKey: string,
    private readonly knownSecrets: Secrets
  ) {
    this.subscriptions = presetSubscriptions()
  }

  /** The secrets to keep out of an answer: the server's own and any key a request carried. */
  secrets(...more: unknown[]): Secrets {
    return [...this.knownSecrets, ...more.filter((value): value is string => typeof value === 'string')]
  }

  /** Runs one destination call, recording its exchanges with FullStory. */
  async run<T>(call: (destination: Destination<Settings>) => Promise<T>): Promise<Recorded<T>> {
    try {
      return await recording(() => call(this.destination))
    } finally {
      // actions-core keeps every response for its CLI; a long-running server must not (the server
      // records exchanges per call instead)
      this.destination.responses.length = 0
    }
  }
}

function presetSubscriptions(): Subscription[] {
  const subscriptions: Subscription[] = []
  for (const preset of definition.presets ?? []) {
    if (preset.type === 'automatic' && preset.subscribe) {
      subscriptions.push({
        name: preset.name ?? preset.partnerAction,
        subscribe: preset.subscribe,
        partnerAction: preset.partnerAction,
        mapping: preset.mapping ?? {}
      })
    }
  }
  return subscriptions
}
