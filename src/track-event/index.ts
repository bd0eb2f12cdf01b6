import type { ActionDefinition, InputField } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendEvent, sendEvents } from '../api/events'
import { batchingFields, idempotencyKey, propertyTypes } from '../fields'
import type { Payload } from './generated-types'

/** The fields, in the published order of their keys; Track Event V2 has the same keys. */
export const trackFields = {
  userId: {
    label: 'User ID',
    description:
      'Your ID for the user (the FullStory uid), used when Session URL holds no FullStory session. An event ' +
      'needs a User ID or a Session URL.',
    type: 'string',
    default: { '@path': '$.userId' }
  },
  name: {
    label: 'Event Name',
    description: 'The name of the event in FullStory.',
    type: 'string',
    required: true,
    default: { '@path': '$.event' }
  },
  properties: {
    label: 'Properties',
    description:
      'Event properties. Names and values FullStory would refuse are made acceptable, and date-times are ' +
      'declared as dates.',
    type: 'object',
    defaultObjectUI: 'keyvalue',
    default: { '@path': '$.properties' }
  },
  timestamp: {
    label: 'Timestamp',
    description:
      'When the event happened, sent in UTC. A number is Unix time, a date-time without a time zone is read as ' +
      'UTC, and a date that does not exist is left out.',
    type: 'datetime',
    default: { '@path': '$.timestamp' }
  },
  useRecentSession: {
    label: 'Use Recent Session',
    description:
      "When the event is sent by User ID, attach it to the user's FullStory session active in the last 30 minutes.",
    type: 'boolean',
    default: true
  },
  sessionUrl: {
    label: 'Session URL',
    description:
      'A FullStory session replay URL or "deviceId:sessionId" id. When set, the event is sent to that session ' +
      'instead of by User ID.',
    type: 'string'
  },
  context: {
    label: 'Context',
    description:
      "Where the event happened: an object shaped like a Segment event's context (page, userAgent, app, device, " +
      'screen, ip, location), sent as FullStory event context. Values FullStory would refuse are left out.',
    type: 'object',
    default: { '@path': '$.context' }
  },
  propertyTypes,
  idempotencyKey,
  ...batchingFields
} satisfies Record<string, InputField>

const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Custom Event',
  description: 'Send a Segment event to FullStory as a custom event, on a FullStory session or on a user.',
  defaultSubscription: 'type = "track"',
  fields: trackFields,
  perform: (request, { settings, payload }) => sendEvent(request, settings.apiKey, payload),
  performBatch: (request, { settings, payload }) => sendEvents(request, settings.apiKey, payload)
}

export default action
