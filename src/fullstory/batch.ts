import { createHash } from 'crypto'
import {
  getErrorCodeFromHttpStatus,
  MultiStatusResponse,
  PayloadValidationError,
  type JSONLikeObject,
  type RequestClient
} from '@segment/actions-core'
import { callFullStory, endpoints } from './api'
import type { BatchJobResponse } from './types'

/**
 * Batch import jobs (`POST /v2/users/batch`, `POST /v2/events/batch`): one request per job, at most
 * MAX_JOB_ROWS rows a job. Rows are built by the same builders as the single-event path; a row that
 * cannot be built gets its own 400 entry and stays out of the job. FullStory checks the rows of an
 * accepted job later and reports row failures only through the job's `/errors` route, so an
 * accepted job means 200 for each of its rows, with the job id in the entry's body.
 */

/** FullStory's documented limit: request objects per batch import job. */
export const MAX_JOB_ROWS = 50_000

/** Our bounds for the Batch Size field: Segment's usual batch size, and a floor worth a job. */
export const DEFAULT_JOB_ROWS = 1_000
export const MIN_JOB_ROWS = 10

export type JobKind = 'users' | 'events'

const jobEndpoints = { users: endpoints.createUsersJob, events: endpoints.createEventsJob } as const

export interface BatchInput<Payload, Row> {
  kind: JobKind
  payloads: Payload[]
  /** Builds one row, or throws PayloadValidationError; the same builder `perform` uses. */
  build: (payload: Payload) => Row
  /** The row's own idempotency key (Idempotency Key field), if it has one. */
  keyOf: (payload: Payload) => string | undefined
  apiKey: string
  /** Rows per job; never above MAX_JOB_ROWS. */
  jobSize?: number
}

interface PendingRow<Row> {
  index: number
  row: Row
  key: string
}

/**
 * The job's Idempotency-Key, derived from its rows' keys in order, so the same batch retried is the
 * same job to FullStory (a replay), never a second one. A row without a key of its own counts with
 * the hash of its body, which is deterministic too.
 */
export function jobIdempotencyKey(kind: JobKind, rowKeys: string[]): string {
  const hash = createHash('sha256').update(kind)
  for (const key of rowKeys) hash.update('\n').update(key)
  return `segment-${kind}-job-${hash.digest('hex')}`
}

function rowKey<Row>(row: Row, ownKey: string | undefined): string {
  return ownKey ?? `body:${createHash('sha256').update(JSON.stringify(row)).digest('hex')}`
}

export async function sendBatch<Payload, Row>(
  request: RequestClient,
  input: BatchInput<Payload, Row>
): Promise<MultiStatusResponse> {
  const response = new MultiStatusResponse()
  const pending: PendingRow<Row>[] = []

  input.payloads.forEach((payload, index) => {
    try {
      const row = input.build(payload)
      pending.push({ index, row, key: rowKey(row, input.keyOf(payload)) })
    } catch (error) {
      if (!(error instanceof PayloadValidationError)) throw error
      response.setErrorResponseAtIndex(index, {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: error.message
      })
    }
  })

  const jobSize = Math.min(Math.max(1, Math.floor(input.jobSize ?? MAX_JOB_ROWS)), MAX_JOB_ROWS)
  for (let start = 0; start < pending.length; start += jobSize) {
    await sendJob(request, input, pending.slice(start, start + jobSize), response)
  }
  return response
}

async function sendJob<Payload, Row>(
  request: RequestClient,
  input: BatchInput<Payload, Row>,
  rows: PendingRow<Row>[],
  response: MultiStatusResponse
): Promise<void> {
  const idempotencyKey = jobIdempotencyKey(
    input.kind,
    rows.map((r) => r.key)
  )
  try {
    const { data } = await callFullStory<BatchJobResponse>(request, jobEndpoints[input.kind], {
      apiKey: input.apiKey,
      json: { requests: rows.map((r) => r.row) },
      idempotencyKey
    })
    const job = { id: data?.job?.id, status: data?.job?.status } as JSONLikeObject
    for (const { index, row } of rows) {
      response.setSuccessResponseAtIndex(index, { status: 200, sent: row as JSONLikeObject, body: { job } })
    }
  } catch (error) {
    const status = (error as { status?: number }).status ?? 500
    for (const { index } of rows) {
      response.setErrorResponseAtIndex(index, {
        status,
        errortype: getErrorCodeFromHttpStatus(status),
        errormessage: (error as Error).message
      })
    }
  }
}
