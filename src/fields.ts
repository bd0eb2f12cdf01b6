import type { InputField } from '@segment/actions-core'
import { DEFAULT_JOB_ROWS, MAX_JOB_ROWS, MIN_JOB_ROWS } from './fullstory/batch'

/** The batching fields both actions share (their keys are the names Segment's platform reserves). */
export const batchingFields: Record<'enable_batching' | 'batch_size', InputField> = {
  enable_batching: {
    label: 'Send in Batches',
    description:
      'When on, Segment collects events and sends each batch to FullStory as one batch import job ' +
      '(one request for up to Batch Size events) instead of one request per event. FullStory checks the rows ' +
      "of a job after accepting it: a row it then refuses is reported in the job's errors in FullStory, not " +
      'back to Segment. Events this destination can tell are invalid before sending are still reported to ' +
      'Segment one by one.',
    type: 'boolean',
    default: false
  },
  batch_size: {
    label: 'Batch Size',
    description: `The most events in one batch import job, from ${MIN_JOB_ROWS} to ${MAX_JOB_ROWS.toLocaleString(
      'en-US'
    )} (FullStory's limit per job). Only used when Send in Batches is on.`,
    type: 'number',
    minimum: MIN_JOB_ROWS,
    maximum: MAX_JOB_ROWS,
    default: DEFAULT_JOB_ROWS
  }
}
