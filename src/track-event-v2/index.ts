import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import trackEvent from '../track-event'
import type { Payload } from './generated-types'

/**
 * Track Custom Event under the key of the published destination's Track Event V2, so that the
 * subscriptions saved against it keep working. Its field keys are Track Custom Event's own, so it is
 * that action, hidden: new mappings use Track Custom Event.
 */
const action: ActionDefinition<Settings, Payload> = {
  ...trackEvent,
  title: 'Track Event V2',
  description:
    'Track Custom Event for subscriptions saved before this version. Use Track Custom Event for new mappings.',
  hidden: true
}

export default action
