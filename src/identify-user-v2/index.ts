import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendBatch } from '../api/batch'
import { upsertUser, userRequest } from '../api/users'
import type { UserInput } from '../api/users'
import { identifyFields } from '../identify-user'
import type { Payload } from '../identifyUserV2.types'

const { userId, anonymousId, displayName, email, traits, ...later } = identifyFields
const asInput = ({ uid, properties, ...rest }: Payload): UserInput => ({ ...rest, userId: uid, traits: properties })

/**
 * The published Identify User V2, for the subscriptions saved against it: Identify User under its
 * keys (`uid`, `properties`) and its trait names (docs/migrating.md). Hidden: new mappings use Identify User.
 */
const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User V2',
  description: 'Identify User for subscriptions saved before this version. Use Identify User for new mappings.',
  hidden: true,
  defaultSubscription: 'type = "identify"',
  fields: { uid: { ...userId, required: false }, anonymousId, displayName, email, properties: traits, ...later },
  perform: (request, { settings, payload }) => upsertUser(request, settings.apiKey, asInput(payload)),
  performBatch: (request, { settings, payload }) =>
    sendBatch(request, settings.apiKey, 'users', payload, (row) => userRequest(asInput(row)))
}

export default action
