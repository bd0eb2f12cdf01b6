import { defaultValues } from '@segment/actions-core'
import type { DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { callFullStory, endpoints } from './api/client'
import { deleteUser } from './api/users'
import identifyUser from './identify-user'
import identifyUserV2 from './identify-user-v2'
import trackEvent from './track-event'
import trackEventV2 from './track-event-v2'

const destination: DestinationDefinition<Settings> = {
  name: 'Fullstory Cloud Mode (Actions)',
  slug: 'actions-fullstory-cloud',
  mode: 'cloud',
  description:
    'Send Segment identify calls to FullStory as users, and track calls as FullStory server events, through the ' +
    'FullStory v2 server API.',

  authentication: {
    scheme: 'custom',
    fields: {
      apiKey: {
        label: 'API Key',
        description:
          'A FullStory server API key (Settings > API Keys). Standard sends users and events; GDPR deletions need ' +
          'an Admin key (FullStory also lists Architect).',
        type: 'password',
        required: true
      }
    },
    testAuthentication: (request, { settings }) => callFullStory(request, endpoints.me, { apiKey: settings.apiKey })
  },

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
    }
  ],

  // The keys of the published destination's actions, whose saved subscriptions keep working:
  // identifyUser and trackEvent are the actions to map; the V2 keys are kept, hidden, for old mappings.
  actions: { identifyUser, trackEvent, identifyUserV2, trackEventV2 }
}

export default destination
