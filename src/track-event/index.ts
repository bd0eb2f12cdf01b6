import type { ActionDefinition, InputField } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendEvent, sendEvents } from '../fullstory/events'
import { batchingFields, idempotencyKey, propertyTypes } from '../fields'
import type { Payload } from './generated-types'

/** One sub-field of Context: a string, so that a malformed value is left out rather than refusing the event. */
function contextValue(label: string, fullStoryName: string): InputField {
  return { label, description: `Sent as FullStory's ${fullStoryName}.`, type: 'string' }
}

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
      'Where the event happened, sent as FullStory event context. Values FullStory would refuse are left out.',
    type: 'object',
    defaultObjectUI: 'keyvalue',
    properties: {
      pageUrl: contextValue('Page URL', 'browser.url'),
      userAgent: contextValue('User Agent', 'browser.user_agent'),
      referrer: contextValue('Referrer', 'browser.initial_referrer'),
      appId: contextValue('App ID', 'mobile.app_id'),
      appName: contextValue('App Name', 'mobile.app_name'),
      appVersion: contextValue('App Version', 'mobile.app_version'),
      deviceManufacturer: contextValue('Device Manufacturer', 'device.manufacturer'),
      deviceModel: contextValue('Device Model', 'device.model'),
      screenWidth: contextValue('Screen Width', 'device.screen_width, in whole pixels'),
      screenHeight: contextValue('Screen Height', 'device.screen_height, in whole pixels'),
      ip: contextValue('IP Address', 'location.ip_address'),
      city: contextValue('City', 'location.city'),
      country: contextValue('Country', 'location.country, as an ISO 3166-1 alpha-2 code'),
      region: contextValue('Region', 'location.region, as an ISO 3166-2 code'),
      latitude: contextValue('Latitude', 'location.latitude'),
      longitude: contextValue('Longitude', 'location.longitude')
    },
    default: {
      pageUrl: { '@path': '$.context.page.url' },
      userAgent: { '@path': '$.context.userAgent' },
      referrer: { '@path': '$.context.page.referrer' },
      appId: { '@path': '$.context.app.namespace' },
      appName: { '@path': '$.context.app.name' },
      appVersion: { '@path': '$.context.app.version' },
      deviceManufacturer: { '@path': '$.context.device.manufacturer' },
      deviceModel: { '@path': '$.context.device.model' },
      screenWidth: { '@path': '$.context.screen.width' },
      screenHeight: { '@path': '$.context.screen.height' },
      ip: { '@path': '$.context.ip' },
      city: { '@path': '$.context.location.city' },
      country: { '@path': '$.context.location.country' },
      region: { '@path': '$.context.location.region' },
      latitude: { '@path': '$.context.location.latitude' },
      longitude: { '@path': '$.context.location.longitude' }
    }
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
