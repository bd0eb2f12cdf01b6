import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendBatch } from '../api/batch'
import { eventRequest, sendEvent } from '../api/events'
import { trackFields } from '../track-event'
import type { Payload } from '../trackEventV2.types'

// Its User ID is optional, as published, and an event with neither a User ID nor a session is sent as
// the published action sent it, to a new anonymous user (docs/rules.md#session-url-and-use-recent-session).
const { required: _required, ...userId } = trackFields.userId
const anonymous = { anonymous: true }

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
  fields: { ...trackFields, userId },
  perform: (request, { settings, payload }) => sendEvent(request, settings.apiKey, payload, anonymous),
  performBatch: (request, { settings, payload }) =>
    sendBatch(request, settings.apiKey, 'events', payload, (row) => eventRequest(row, anonymous))
}

export default action
