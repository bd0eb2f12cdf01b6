import type { ActionDefinition, InputField } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendBatch } from '../api/batch'
import { eventRequest, sendEvent } from '../api/events'
import { batch_size, enable_batching, idempotencyKey, propertyTypes } from '../fields'
import type { Payload } from '../trackEvent.types'

/** The fields, in the published order of their keys; Track Event V2 has the same keys. */
export const trackFields: Record<string, InputField> = {
  userId: {
    label: 'User ID',
    description:
      'Your ID for the user (the FullStory uid), used when Session URL holds no FullStory session. An event ' +
      'needs a User ID or a Session URL.',
    type: 'string',
    required: { conditions: [{ fieldKey: 'sessionUrl', operator: 'is', value: undefined }] },
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
      'When the event happened, sent in UTC: an ISO-8601 date-time (read as UTC without a zone) or Unix time. A ' +
      'value that is not a real date is left out, and the event is still sent.',
    type: 'string',
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
      "Where the event happened, shaped like a Segment event's context: by default its page, userAgent, app, " +
      'device and screen. Add ip or location to send them too.',
    type: 'object',
    defaultObjectUI: 'keyvalue',
    default: {
      page: { '@path': '$.context.page' },
      userAgent: { '@path': '$.context.userAgent' },
      app: { '@path': '$.context.app' },
      device: { '@path': '$.context.device' },
      screen: { '@path': '$.context.screen' }
    }
  },
  propertyTypes,
  idempotencyKey,
  enable_batching,
  batch_size
}

/** Property names as the published Track Event sent them to FullStory (docs/rules.md#legacy-names). */
const legacyNames = { legacyNames: 'typeSuffix' } as const

const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Custom Event',
  description: 'Send a Segment event to FullStory as a custom event, on a FullStory session or on a user.',
  defaultSubscription: 'type = "track"',
  fields: trackFields,
  perform: (request, { settings, payload }) => sendEvent(request, settings.apiKey, payload, legacyNames),
  performBatch: (request, { settings, payload }) =>
    sendBatch(request, settings.apiKey, 'events', payload, (row) => eventRequest(row, legacyNames))
}

export default action
