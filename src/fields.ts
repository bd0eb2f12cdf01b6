import type { InputField } from '@segment/actions-core'
import { DEFAULT_JOB_ROWS, MIN_JOB_ROWS } from './api/batch'
import { MAX_JOB_ROWS } from './api/limits'

/** Fields every action has. Rules too long for a tooltip are in docs/rules.md. */

export const propertyTypes: InputField = {
  label: 'Property Types',
  description:
    'FullStory types to declare, as property name: type (str, int, real, bool, date, or a plural for lists). ' +
    'Use it for integers, which FullStory otherwise stores as real.',
  type: 'object',
  defaultObjectUI: 'keyvalue:only'
}

export const idempotencyKey: InputField = {
  label: 'Idempotency Key',
  description:
    'Identifies the Segment message, so that FullStory records a retried delivery only once. Leave the default, ' +
    'the message ID, unless your source resends one event under new message IDs.',
  type: 'string',
  default: { '@path': '$.messageId' }
}

export const enable_batching: InputField = {
  label: 'Send in Batches',
  description: 'Send events to FullStory as batch import jobs, one request per batch, instead of one request each.',
  type: 'boolean',
  default: false
}

export const batch_size: InputField = {
  label: 'Batch Size',
  description: `The most events in one batch import job (FullStory accepts up to ${MAX_JOB_ROWS.toLocaleString(
    'en-US'
  )}).`,
  type: 'number',
  minimum: MIN_JOB_ROWS,
  maximum: MAX_JOB_ROWS,
  default: DEFAULT_JOB_ROWS,
  depends_on: { conditions: [{ fieldKey: 'enable_batching', operator: 'is', value: true }] }
}
