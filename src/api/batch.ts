import {
  getErrorCodeFromHttpStatus,
  MultiStatusResponse,
  PayloadValidationError,
  type JSONLikeObject,
  type RequestClient
} from '@segment/actions-core'
import { callFullStory, endpoints } from './client'
import { deliveryKey, jobKey } from './idempotency'
import type { BatchJobResponse } from './types'

/**
 * Batch import jobs (`POST /v2/users/batch`, `POST /v2/events/batch`; see
 * https://developer.fullstory.com/server/events/create-batch-events-import-job/): one request per job,
 * at most MAX_JOB_ROWS rows a job. Rows are built by the same builders as the single-event path; a
 * row that cannot be built gets its own 400 entry and stays out of the job. FullStory checks the rows
 * of an accepted job later and reports row failures only through the job's `/errors` route, so an
 * accepted job means 200 for each of its rows, with the job id in the entry's body.
 *
 * FullStory has no idempotency per row inside a job, so a message that comes twice in one batch (the
 * same delivery key: the same message key and the same row) is sent once, and every index it holds
 * gets that row's answer.
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
  /** The message key of the row's payload (Idempotency Key field), if it has one. */
  keyOf: (payload: Payload) => string | undefined
  apiKey: string
  /** Rows per job; never above MAX_JOB_ROWS. */
  jobSize?: number
}

interface PendingRow<Row> {
  /** Every index of the batch this row answers for (more than one when a message repeats). */
  indices: number[]
  row: Row
  /** The row's JSON, as it goes into the job's body. */
  text: string
  /** Its UTF-8 length, taken while the text is fresh in the CPU's caches (see jobBody). */
  bytes: number
  /** Its delivery key; `undefined` when the payload has no message key. */
  key: string | undefined
}

export async function sendBatch<Payload, Row>(
  request: RequestClient,
  input: BatchInput<Payload, Row>
): Promise<MultiStatusResponse> {
  const response = new MultiStatusResponse()
  const pending: PendingRow<Row>[] = []
  const byKey = new Map<string, PendingRow<Row>>()
  const endpointPath = jobEndpoints[input.kind].path

  input.payloads.forEach((payload, index) => {
    let row: Row
    try {
      row = input.build(payload)
    } catch (error) {
      if (!(error instanceof PayloadValidationError)) throw error
      response.setErrorResponseAtIndex(index, {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: error.message
      })
      return
    }
    const text = JSON.stringify(row)
    const messageKey = input.keyOf(payload)
    const key = messageKey === undefined ? undefined : deliveryKey(messageKey, endpointPath, text)
    const seen = key === undefined ? undefined : byKey.get(key)
    if (seen) {
      seen.indices.push(index)
      return
    }
    const entry: PendingRow<Row> = { indices: [index], row, text, bytes: Buffer.byteLength(text, 'utf8'), key }
    if (key !== undefined) byKey.set(key, entry)
    pending.push(entry)
  })

  const jobSize = Math.min(Math.max(1, Math.floor(input.jobSize ?? MAX_JOB_ROWS)), MAX_JOB_ROWS)
  for (let start = 0; start < pending.length; start += jobSize) {
    await sendJob(request, input, pending.slice(start, start + jobSize), response)
  }
  return response
}

const JOB_BODY_START = '{"requests":['
const JOB_BODY_END = ']}'

/**
 * The job's body, `{"requests":[<row>,<row>,...]}`, as UTF-8 bytes: each row's text encoded once,
 * straight into one buffer of the exact size. Joining a thousand rows' texts into one string and
 * encoding that took about eight times as long (docs/benchmarks.md). The size comes from the lengths
 * taken when each row's JSON was made (sendBatch): measuring a thousand texts again here, long out of
 * the CPU's caches, took as long as writing them.
 */
function jobBody(rows: readonly PendingRow<unknown>[]): Buffer {
  let size = JOB_BODY_START.length + JOB_BODY_END.length + Math.max(0, rows.length - 1)
  for (const { bytes } of rows) size += bytes
  const body = Buffer.allocUnsafe(size)
  let at = body.write(JOB_BODY_START, 0, 'latin1')
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) at = body.writeUInt8(0x2c, at) // ,
    at += body.write(rows[i].text, at, 'utf8')
  }
  at += body.write(JOB_BODY_END, at, 'latin1')
  if (at !== size) throw new Error(`job body: wrote ${at} of ${size} bytes`)
  return body
}

/**
 * One job. Its Idempotency-Key is derived from its rows' delivery keys, so a retried batch is a replay
 * to FullStory; when a row has no key of its own, the job has none either, as a single event would not.
 */
async function sendJob<Payload, Row>(
  request: RequestClient,
  input: BatchInput<Payload, Row>,
  rows: PendingRow<Row>[],
  response: MultiStatusResponse
): Promise<void> {
  const rowKeys: string[] = []
  for (const { key } of rows) if (key !== undefined) rowKeys.push(key)
  try {
    const { data } = await callFullStory<BatchJobResponse>(request, jobEndpoints[input.kind], {
      apiKey: input.apiKey,
      body: jobBody(rows),
      idempotencyKey: rowKeys.length === rows.length ? jobKey(input.kind, rowKeys) : undefined
    })
    const body = { job: { id: data?.job?.id, status: data?.job?.status } as JSONLikeObject }
    for (const { indices, row } of rows) {
      for (const index of indices) {
        response.setSuccessResponseAtIndex(index, { status: 200, sent: row as JSONLikeObject, body })
      }
    }
  } catch (error) {
    const status = (error as { status?: number }).status ?? 500
    const failure = {
      status,
      errortype: getErrorCodeFromHttpStatus(status),
      errormessage: (error as Error).message
    }
    for (const { indices } of rows) for (const index of indices) response.setErrorResponseAtIndex(index, failure)
  }
}
