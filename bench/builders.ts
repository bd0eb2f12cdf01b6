import { Destination, type DestinationDefinition, type SegmentEvent } from '@segment/actions-core'
import type { Settings } from '../src/generated-types'
import { loadBuilt, settingsWith, type Subscription } from './destination'
import { measure, type Measurement } from './measure'

/**
 * Our per-event code alone: the payloads actions-core hands the actions (captured once through a copy
 * of the definition whose perform records them), then the row builders the actions call
 * (`buildUserRequest`, `buildEventRequest`) timed on them with no framework and no network around.
 */

export interface CapturedPayload {
  action: string
  payload: unknown
}

export async function capturePayloads(
  definition: DestinationDefinition<Settings>,
  events: SegmentEvent[],
  subscriptions: Subscription[]
): Promise<CapturedPayload[]> {
  const captured: CapturedPayload[] = []
  const actions: DestinationDefinition<Settings>['actions'] = {}
  for (const [key, action] of Object.entries(definition.actions)) {
    actions[key] = { ...action, perform: (_request, { payload }) => void captured.push({ action: key, payload }) }
  }
  const destination = new Destination({ ...definition, actions })
  const settings = settingsWith(subscriptions)
  for (const event of events) await destination.onEvent(event, settings)
  return captured
}

interface UsersModule {
  buildUserRequest(payload: unknown): unknown
}
interface EventsModule {
  buildEventRequest(payload: unknown): unknown
}

/** Builds every payload's request `rounds` times; items = payloads built. */
export function buildersAlone(payloads: CapturedPayload[], rounds: number, dist?: string): Promise<Measurement> {
  const { buildUserRequest } = loadBuilt<UsersModule>('fullstory/users.js', dist)
  const { buildEventRequest } = loadBuilt<EventsModule>('fullstory/events.js', dist)
  const build = payloads.map(({ action, payload }) => {
    const builder = action === 'identifyUser' ? buildUserRequest : buildEventRequest
    return () => builder(payload)
  })
  for (const run of build) run() // warm up
  return measure(build.length * rounds, async () => {
    for (let r = 0; r < rounds; r++) for (const run of build) run()
  })
}
