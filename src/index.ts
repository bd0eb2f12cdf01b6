import type { DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { authHeaders, callFullStory, endpoints } from './fullstory/api'
import { deleteUser } from './fullstory/users'

const destination: DestinationDefinition<Settings> = {
  name: 'FullStory Cloud Mode (Actions)',
  slug: 'actions-fullstory-cloud',
  mode: 'cloud',
  description:
    'Send Segment identify calls to FullStory as users and track calls as server events, through the FullStory v2 server API.',

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

  presets: [],
  actions: {}
}

export default destination
