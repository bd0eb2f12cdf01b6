import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendEvent, sendEvents } from '../fullstory/events'
import { batchingFields } from '../fields'
import type { Payload } from './generated-types'

const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Custom Event',
  description:
    'Sends a Segment event to FullStory as a custom server event, attached to a FullStory session or to a ' +
    'user identified by User ID.',
  defaultSubscription: 'type = "track"',
  fields: {
    user_id: {
      label: 'User ID',
      description:
        'Your ID for the user (FullStory uid, at most 256 characters), the same ID Identify User sends. Used to ' +
        'attach the event to the user when Session URL holds no FullStory session. An event needs a User ID or a ' +
        'Session URL; with neither it is rejected, because FullStory would record it under a new anonymous user.',
      type: 'string',
      default: { '@path': '$.userId' }
    },
    name: {
      label: 'Event Name',
      description:
        'The name of the event in FullStory. Spaces around it are removed, and an event whose name is then empty ' +
        "is rejected. A name longer than 250 characters (the limit of FullStory's browser API; the server's " +
        'limit is not published) is cut to its first 250 characters rather than rejected, so the event is kept.',
      type: 'string',
      required: true,
      default: { '@path': '$.event' }
    },
    properties: {
      label: 'Properties',
      description:
        'Event properties for FullStory. Names are made acceptable to FullStory (letters, digits and underscores, ' +
        'starting with a letter), null values are dropped, arrays of objects become objects of arrays, and ' +
        'date-time strings are declared as dates.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.properties' }
    },
    timestamp: {
      label: 'Timestamp',
      description:
        'When the event happened; sent to FullStory in UTC (ISO-8601). A number is read as Unix time (seconds, or ' +
        'milliseconds when it is that large). A value that is not a date is left out, and FullStory then uses ' +
        'the time it receives the event.',
      type: 'datetime',
      default: { '@path': '$.timestamp' }
    },
    session_url: {
      label: 'Session URL',
      description:
        'A FullStory session to attach the event to: a session replay URL, as FS.getCurrentSessionURL() returns ' +
        'it (app.fullstory.com or app.eu1.fullstory.com), or a raw "deviceId:sessionId" id. When it holds a ' +
        'session, the event is sent to that session and User ID is not sent. Any other value is ignored and the ' +
        'event is sent by User ID. If FullStory reports that the session is full (session_page_limit_exceeded) ' +
        'and a User ID is known, the event is sent once more by User ID.',
      type: 'string'
    },
    use_recent_session: {
      label: 'Use Recent Session',
      description:
        "When the event is sent by User ID: attach it to the user's most recent FullStory session, if that " +
        'session was active in the last 30 minutes (otherwise FullStory stores the event on the user without a ' +
        'session). When off, the event is always stored on the user without a session.',
      type: 'boolean',
      default: true
    },
    context: {
      label: 'Context',
      description:
        'Where the event happened, sent as FullStory event context. Only values of the form FullStory accepts are ' +
        'sent: the country as an ISO 3166-1 alpha-2 code (country names and alpha-3 codes are converted), the ' +
        'region as an ISO 3166-2 code (region names of the known country are converted), coordinates and screen ' +
        'sizes as numbers. Values that cannot be converted are left out; the event is still sent.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      properties: {
        page_url: {
          label: 'Page URL',
          description: 'The URL of the page where the event happened (FullStory browser.url).',
          type: 'string'
        },
        user_agent: {
          label: 'User Agent',
          description: "The browser's user agent string (FullStory browser.user_agent).",
          type: 'string'
        },
        referrer: {
          label: 'Referrer',
          description: 'The URL that referred the user to the page (FullStory browser.initial_referrer).',
          type: 'string'
        },
        app_namespace: {
          label: 'App ID',
          description: "The mobile app's bundle ID or package name (FullStory mobile.app_id).",
          type: 'string'
        },
        app_name: {
          label: 'App Name',
          description: "The mobile app's name (FullStory mobile.app_name).",
          type: 'string'
        },
        app_version: {
          label: 'App Version',
          description: "The mobile app's version (FullStory mobile.app_version).",
          type: 'string'
        },
        device_manufacturer: {
          label: 'Device Manufacturer',
          description: "The device's manufacturer (FullStory device.manufacturer).",
          type: 'string'
        },
        device_model: {
          label: 'Device Model',
          description: "The device's model (FullStory device.model).",
          type: 'string'
        },
        screen_width: {
          label: 'Screen Width',
          description:
            'The screen width in pixels (FullStory device.screen_width). Sent rounded to a whole positive number; a value that is not a number is left out and the event is still sent.',
          // A string, so that a malformed value is left out by context.ts instead of rejecting the event.
          type: 'string'
        },
        screen_height: {
          label: 'Screen Height',
          description:
            'The screen height in pixels (FullStory device.screen_height). Sent rounded to a whole positive number; a value that is not a number is left out and the event is still sent.',
          // A string, so that a malformed value is left out by context.ts instead of rejecting the event.
          type: 'string'
        },
        ip: {
          label: 'IP Address',
          description: "The user's IPv4 or IPv6 address (FullStory location.ip_address).",
          type: 'string'
        },
        city: {
          label: 'City',
          description: 'The city (FullStory location.city).',
          type: 'string'
        },
        country: {
          label: 'Country',
          description:
            'The country, as an ISO 3166-1 alpha-2 or alpha-3 code or an English name; sent as the alpha-2 code ' +
            '(FullStory location.country).',
          type: 'string'
        },
        region: {
          label: 'Region',
          description:
            'The region (state, province), as an ISO 3166-2 code ("US-CA"), or a subdivision code or name of the ' +
            'country above; sent as the ISO 3166-2 code (FullStory location.region).',
          type: 'string'
        },
        latitude: {
          label: 'Latitude',
          description:
            'The latitude, from -90 to 90 (FullStory location.latitude). A value that is not such a number is left out and the event is still sent.',
          // A string, so that a malformed value is left out by context.ts instead of rejecting the event.
          type: 'string'
        },
        longitude: {
          label: 'Longitude',
          description:
            'The longitude, from -180 to 180 (FullStory location.longitude). A value that is not such a number is left out and the event is still sent.',
          // A string, so that a malformed value is left out by context.ts instead of rejecting the event.
          type: 'string'
        }
      },
      default: {
        page_url: { '@path': '$.context.page.url' },
        user_agent: { '@path': '$.context.userAgent' },
        referrer: { '@path': '$.context.page.referrer' },
        app_namespace: { '@path': '$.context.app.namespace' },
        app_name: { '@path': '$.context.app.name' },
        app_version: { '@path': '$.context.app.version' },
        device_manufacturer: { '@path': '$.context.device.manufacturer' },
        device_model: { '@path': '$.context.device.model' },
        screen_width: { '@path': '$.context.screen.width' },
        screen_height: { '@path': '$.context.screen.height' },
        ip: { '@path': '$.context.ip' },
        city: { '@path': '$.context.location.city' },
        country: { '@path': '$.context.location.country' },
        region: { '@path': '$.context.location.region' },
        latitude: { '@path': '$.context.location.latitude' },
        longitude: { '@path': '$.context.location.longitude' }
      }
    },
    property_types: {
      label: 'Property Types',
      description:
        'FullStory types to declare for properties, keyed by the property name FullStory receives (after the ' +
        'name cleaning described under Properties; a dotted path for nested properties, e.g. "order.total"), ' +
        'each one of str, int, real, bool, date or the plural forms strs, ints, reals, bools, dates. A ' +
        'declaration wins over the type FullStory would infer; for example declare "quantity" as int, since ' +
        'FullStory stores every number as real unless told. An unknown type rejects the event.',
      type: 'object',
      defaultObjectUI: 'keyvalue'
    },
    idempotency_key: {
      label: 'Idempotency Key',
      description:
        'Sent as the Idempotency-Key header, so that a retried delivery of the same Segment event is recorded by ' +
        'FullStory only once (for 24 hours).',
      type: 'string',
      default: { '@path': '$.messageId' }
    },
    ...batchingFields
  },
  perform: (request, { payload, settings }) => sendEvent(request, settings.apiKey, payload),
  performBatch: (request, { payload, settings }) => sendEvents(request, settings.apiKey, payload)
}

export default action
