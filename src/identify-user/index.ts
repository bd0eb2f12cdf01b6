import type { ActionDefinition, InputField } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { upsertUser, upsertUsers } from '../api/users'
import { batchingFields, idempotencyKey, propertyTypes } from '../fields'
import type { Payload } from './generated-types'

/** The fields, in the published order of their keys; Identify User V2 reuses them under its own keys. */
export const identifyFields = {
  userId: {
    label: 'User ID',
    description:
      'Your stable ID for the user, sent as the FullStory uid (at most 256 characters). Without it FullStory ' +
      'would create a new user on every call.',
    type: 'string',
    required: true,
    default: { '@path': '$.userId' }
  },
  anonymousId: {
    label: 'Anonymous ID',
    description: "Segment's anonymous ID, kept on the user as the property segmentAnonymousId.",
    type: 'string',
    default: { '@path': '$.anonymousId' }
  },
  displayName: {
    label: 'Display Name',
    description: 'The name FullStory shows for the user (at most 256 characters).',
    type: 'string',
    default: { '@path': '$.traits.name' }
  },
  email: {
    label: 'Email',
    description: "The user's email address (at most 128 characters).",
    type: 'string',
    default: { '@path': '$.traits.email' }
  },
  traits: {
    label: 'Traits',
    description:
      'User properties to store in FullStory. Names and values FullStory would refuse are made acceptable, and ' +
      'date-times are declared as dates.',
    type: 'object',
    defaultObjectUI: 'keyvalue',
    default: { '@path': '$.traits' }
  },
  propertyTypes,
  idempotencyKey,
  ...batchingFields
} satisfies Record<string, InputField>

const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User',
  description: 'Create or update a FullStory user from a Segment identify call, keyed on the User ID.',
  defaultSubscription: 'type = "identify"',
  fields: identifyFields,
  perform: (request, { settings, payload }) => upsertUser(request, settings.apiKey, payload),
  performBatch: (request, { settings, payload }) => upsertUsers(request, settings.apiKey, payload)
}

export default action
