import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'

// Placeholder until issue 4 lands its fields and perform.
const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Custom Event',
  description: 'Sends a Segment track call to FullStory as a custom server event.',
  defaultSubscription: 'type = "track"',
  fields: {
    user_id: {
      label: 'User ID',
      description: 'Your ID for the user.',
      type: 'string',
      required: true,
      default: { '@path': '$.userId' }
    }
  },
  perform: () => undefined
}

export default action
