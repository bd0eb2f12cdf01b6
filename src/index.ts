import { defaultValues, type DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { authHeaders, callFullStory, endpoints } from './fullstory/api'
import { deleteUser } from './fullstory/users'
import identifyUser from './identify-user'
import trackEvent from './track-event'

const destination: DestinationDefinition<Settings> = {
  name: 'FullStory Cloud Mode (Actions)',
  slug: 'actions-fullstory-cloud',
  mode: 'cloud',
  description:
    'Send Segment identify calls to FullStory as users, and track and page calls as FullStory server events, through the FullStory v2 server API.',

  authentication: {
    scheme: 'custom',
    fields: {
      apiKey: {
        label: 'API Key',
        description:
          'A FullStory server API key (FullStory: Settings > API Keys). A Standard key is enough to send users and ' +
          'events. To let Segment delete users for GDPR requests, use an Admin or Architect key.',
        type: 'password',
        required: true
      }
    },
    testAuthentication: (request, { settings }) => callFullStory(request, endpoints.me, { apiKey: settings.apiKey })
  },

  extendRequest: ({ settings }) => ({ headers: authHeaders(settings.apiKey) }),

  onDelete: (request, { settings, payload }) => deleteUser(request, settings.apiKey, payload.userId ?? undefined),

  presets: [
    {
      name: 'Identify User',
      subscribe: 'type = "identify"',
      partnerAction: 'identifyUser',
      mapping: defaultValues(identifyUser.fields),
      type: 'automatic'
    },
    {
      name: 'Track Custom Event',
      subscribe: 'type = "track"',
      partnerAction: 'trackEvent',
      mapping: defaultValues(trackEvent.fields),
      type: 'automatic'
    },
    {
      name: 'Track Page Views',
      subscribe: 'type = "page"',
      partnerAction: 'trackEvent',
      mapping: {
        ...defaultValues(trackEvent.fields),
        // "Viewed Pricing" from the page's name; "Viewed Page" when it has none. mapping-kit's `blank`
        // condition holds for a value that is set and not empty (unlike `exists`, which lets '' through).
        name: {
          '@if': { blank: { '@path': '$.name' }, then: { '@template': 'Viewed {{name}}' }, else: 'Viewed Page' }
        }
      },
      type: 'automatic'
    }
  ],
  actions: { identifyUser, trackEvent }
}

export default destination
