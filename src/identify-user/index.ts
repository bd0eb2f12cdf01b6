import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'

// Placeholder until issue 3 lands its fields and perform.
const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User',
  description: 'Creates or updates a FullStory user from a Segment identify call.',
  defaultSubscription: 'type = "identify"',
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
