import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { upsertUser, upsertUsers } from '../fullstory/users'
import { batchingFields } from '../fields'
import type { Payload } from './generated-types'

const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User',
  description:
    'Creates or updates a FullStory user from a Segment identify call: the User ID becomes the FullStory uid, ' +
    'and traits become user properties.',
  defaultSubscription: 'type = "identify"',
  fields: {
    user_id: {
      label: 'User ID',
      description:
        'Your stable ID for the user, sent as the FullStory uid. Needed on every identify: without it FullStory ' +
        'would create a new anonymous user for every call, so an identify without one (empty or blank) stops with ' +
        'an error saying so. FullStory accepts at most 256 characters; a longer ID stops the event with an error.',
      type: 'string',
      // Checked by the action (a PayloadValidationError naming the field) rather than by the schema, so an
      // anonymous identify is refused with the same kind of error as every other payload problem.
      required: false,
      default: { '@path': '$.userId' }
    },
    anonymous_id: {
      label: 'Anonymous ID',
      description:
        "Segment's anonymous ID for the user, sent as the user property segmentAnonymousId (the name Segment's " +
        'earlier FullStory actions use). It comes first among the properties and keeps that name; a trait of the ' +
        'same name is then sent as segmentAnonymousId_2.',
      type: 'string',
      default: { '@path': '$.anonymousId' }
    },
    display_name: {
      label: 'Display Name',
      description:
        'The name FullStory shows for the user. FullStory accepts at most 256 characters: a longer name is left out ' +
        'of the display name, so the rest of the user still arrives, and is kept as a user property: under its trait ' +
        '(name, with the default mapping), or as displayName when no trait holds it.',
      type: 'string',
      default: { '@path': '$.traits.name' }
    },
    email: {
      label: 'Email',
      description:
        "The user's email address. FullStory accepts at most 128 characters: a longer value is left out of the " +
        'email field, so the rest of the user still arrives, and is kept as a user property: under its trait ' +
        '(email, with the default mapping), or as email when no trait holds it.',
      type: 'string',
      default: { '@path': '$.traits.email' }
    },
    traits: {
      label: 'Traits',
      description:
        'User properties to store in FullStory (name and email stay here too, as Segment’s earlier FullStory ' +
        'actions send them). Names are made acceptable to FullStory: accented and non-Latin letters are ' +
        'transliterated (Größe becomes Grosse), characters other than letters, digits and _ are removed, a name ' +
        'that does not start with a letter gets the prefix p_ (1st_order becomes p_1st_order), a name with ' +
        'nothing left becomes p_ and the hex codes of its characters, and traits that end up with the same name ' +
        'are all kept, in order (plan, plan_2). Values: empty (null) traits are skipped; a list of objects becomes ' +
        'an object of lists (products: [{sku}] becomes products.sku: [...]); a list mixing types becomes a list ' +
        'of text; text and lists are cut to 8192 bytes; objects nested more than 10 levels deep are sent as JSON ' +
        'text; and at most 500 properties are sent (the first 500, in order). ISO-8601 date-times such as ' +
        '2024-05-01T12:00:00Z are declared as dates.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.traits' }
    },
    property_types: {
      label: 'Property Types',
      description:
        'Optional FullStory types for user properties, as property name: type. Types: str, int, real, bool, date ' +
        'and, for lists, strs, ints, reals, bools, dates. FullStory stores every number as real unless it is ' +
        'declared int. Use the names FullStory receives (after the cleaning described under Traits), with dots for ' +
        'nested properties, e.g. address.zip: str. A declaration overrides the automatic date detection and ' +
        'applies only when the identify carries that property; an unknown type or a name FullStory cannot ' +
        'receive stops the event with an error that names it.',
      type: 'object',
      defaultObjectUI: 'keyvalue:only'
    },
    idempotency_key: {
      label: 'Idempotency Key',
      description:
        "Sent as FullStory's Idempotency-Key header, so that a retried delivery of the same identify is applied " +
        'once (FullStory remembers a key for 24 hours). The default, the Segment message ID, is unique per event. ' +
        'Leave empty to send no key.',
      type: 'string',
      default: { '@path': '$.messageId' }
    },
    ...batchingFields
  },
  perform: (request, { settings, payload }) => upsertUser(request, settings.apiKey, payload),
  performBatch: (request, { settings, payload }) => upsertUsers(request, settings.apiKey, payload)
}

export default action
