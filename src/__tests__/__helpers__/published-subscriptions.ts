import type { JSONObject } from '@segment/actions-core'

/**
 * Subscriptions as workspaces hold them today, saved against the FullStory Cloud Mode (Actions)
 * destination Segment publishes (npm @segment/action-destinations 3.387.0, folder
 * destinations/fullstory): its four action keys, each with the default mapping of its fields (what a
 * subscription holds unless the admin changed it), and the two mapped-session variants of the track
 * actions. Written from the published field tables (keys, defaults), not from its code. A saved
 * mapping holds only these keys: fields this destination added get no value from it.
 */

export interface SavedSubscription {
  /** What the fixture stands for, for test names. */
  name: string
  subscribe: string
  partnerAction: 'identifyUser' | 'trackEvent' | 'identifyUserV2' | 'trackEventV2'
  mapping: JSONObject
}

const trackMapping: JSONObject = {
  userId: { '@path': '$.userId' },
  name: { '@path': '$.event' },
  properties: { '@path': '$.properties' },
  timestamp: { '@path': '$.timestamp' }
}

/** Use Recent Session on, and Session URL mapped to where FullStory's browser snippet's URL is commonly kept. */
const sessionMapping: JSONObject = {
  ...trackMapping,
  useRecentSession: true,
  sessionUrl: { '@path': '$.properties.fullstoryUrl' }
}

const identifyMapping = (userIdKey: 'userId' | 'uid', traitsKey: 'traits' | 'properties'): JSONObject => ({
  [userIdKey]: { '@path': '$.userId' },
  anonymousId: { '@path': '$.anonymousId' },
  displayName: { '@path': '$.traits.name' },
  email: { '@path': '$.traits.email' },
  [traitsKey]: { '@path': '$.traits' }
})

export const publishedSubscriptions: SavedSubscription[] = [
  {
    name: 'Identify User V2 (the published Identify User preset)',
    subscribe: 'type = "identify"',
    partnerAction: 'identifyUserV2',
    mapping: identifyMapping('uid', 'properties')
  },
  {
    name: 'Track Event V2 (the published Track Event preset)',
    subscribe: 'type = "track"',
    partnerAction: 'trackEventV2',
    mapping: trackMapping
  },
  {
    name: 'Track Event V2 with Use Recent Session and Session URL mapped',
    subscribe: 'type = "track"',
    partnerAction: 'trackEventV2',
    mapping: sessionMapping
  },
  {
    name: 'Identify User (legacy)',
    subscribe: 'type = "identify"',
    partnerAction: 'identifyUser',
    mapping: identifyMapping('userId', 'traits')
  },
  {
    name: 'Track Event (legacy)',
    subscribe: 'type = "track"',
    partnerAction: 'trackEvent',
    mapping: trackMapping
  },
  {
    name: 'Track Event (legacy) with Use Recent Session and Session URL mapped',
    subscribe: 'type = "track"',
    partnerAction: 'trackEvent',
    mapping: sessionMapping
  }
]

/** Every action key the published destination has (each one's saved subscriptions must run here). */
export const PUBLISHED_ACTION_KEYS = ['identifyUser', 'trackEvent', 'identifyUserV2', 'trackEventV2'] as const

/** Settings as Segment's pipeline hands them over with one saved subscription. */
export function savedSettings(apiKey: string, subscription: SavedSubscription): JSONObject {
  const { subscribe, partnerAction, mapping } = subscription
  return { apiKey, subscriptions: [{ subscribe, partnerAction, mapping }] } as unknown as JSONObject
}
