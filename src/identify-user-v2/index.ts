import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { upsertUser, upsertUsers } from '../api/users'
import { identifyFields } from '../identify-user'
import type { Payload as IdentifyPayload } from '../identify-user/generated-types'
import type { Payload } from './generated-types'

/** The payload in Identify User's vocabulary: the same builders then serve both actions. */
export function fromV2({ uid, properties, ...rest }: Payload): IdentifyPayload {
  return { ...rest, userId: uid, traits: properties }
}

const { userId, anonymousId, displayName, email, traits, ...laterFields } = identifyFields

/**
 * Identify User under the field keys of the published destination's Identify User V2, so that the
 * subscriptions saved against it keep working: `uid` for User ID and `properties` for Traits. Hidden:
 * new mappings use Identify User.
 */
const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User V2',
  description:
    'Identify User under the field keys of subscriptions saved before this version (uid, properties). Use ' +
    'Identify User for new mappings.',
  hidden: true,
  defaultSubscription: 'type = "identify"',
  fields: { uid: userId, anonymousId, displayName, email, properties: traits, ...laterFields },
  perform: (request, { settings, payload }) => upsertUser(request, settings.apiKey, fromV2(payload)),
  performBatch: (request, { settings, payload }) => upsertUsers(request, settings.apiKey, payload.map(fromV2))
}

export default action
