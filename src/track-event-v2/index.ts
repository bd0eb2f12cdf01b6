import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendBatch } from '../api/batch'
import { eventRequest, sendEvent } from '../api/events'
import { trackFields } from '../track-event'
import type { Payload } from '../trackEventV2.types'

/**
 * The published Track Event V2, for the subscriptions saved against it: Track Custom Event under its
 * key, with the same field keys (docs/migrating.md). Hidden: new mappings use Track Custom Event.
 */
const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Event V2',
  description:
    'Track Custom Event for subscriptions saved before this version. Use Track Custom Event for new mappings.',
  hidden: true,
  defaultSubscription: 'type = "track"',
  fields: trackFields,
  perform: (request, { settings, payload }) => sendEvent(request, settings.apiKey, payload),
  performBatch: (request, { settings, payload }) => sendBatch(request, settings.apiKey, 'events', payload, eventRequest)
}

export default action
