import type { ActionDefinition, InputField } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendBatch } from '../api/batch'
import { upsertUser, userRequest } from '../api/users'
import { batch_size, enable_batching, idempotencyKey, propertyTypes } from '../fields'
import type { Payload } from '../identifyUser.types'

/** The fields, in the published order of their keys; Identify User V2 has them under two other keys. */
export const identifyFields: Record<string, InputField> = {
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
  enable_batching,
  batch_size
}

/** Trait names as the published Identify User sent them to FullStory (docs/rules.md#legacy-names). */
const legacyNames = { legacyNames: 'camelCase' } as const

const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User',
  description: 'Create or update a FullStory user from a Segment identify call, keyed on the User ID.',
  defaultSubscription: 'type = "identify"',
  fields: identifyFields,
  perform: (request, { settings, payload }) => upsertUser(request, settings.apiKey, payload, legacyNames),
  performBatch: (request, { settings, payload }) =>
    sendBatch(request, settings.apiKey, 'users', payload, (row) => userRequest(row, legacyNames))
}

export default action
