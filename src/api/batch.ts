import { getErrorCodeFromHttpStatus, MultiStatusResponse, PayloadValidationError } from '@segment/actions-core'
import type { ModifiedResponse, RequestClient } from '@segment/actions-core'
import { callFullStory, endpoints } from './client'
import { causeOf, quoteFullStory } from './errors'
import { deliveryKey, jobKey, messageKey } from './idempotency'
import { MAX_JOB_BYTES, MAX_JOB_ROWS } from './limits'
import type { JobAnswer, JobErrorsAnswer, JobStatus, JobStatusAnswer } from './types'

/**
 * Batch import jobs (docs/rules.md#send-in-batches-and-batch-size;
 * https://developer.fullstory.com/server/events/create-batch-events-import-job/): one request per job,
 * then the job followed until FullStory reports on its rows or the follow budget is spent.
 */

export type JobKind = 'users' | 'events'

/** Our bounds for the Batch Size field: Segment's usual batch size, and a floor worth a job. */
export const DEFAULT_JOB_ROWS = 1_000
export const MIN_JOB_ROWS = 10

/** How a batch follows its jobs: the budget from its start, and the first wait, then doubled (docs/rules.md). */
export type FollowTiming = { budgetMs: number; firstPollMs: number }
export const FOLLOW: FollowTiming = { budgetMs: 5_000, firstPollMs: 250 }

/** What a batch needs of every action's payload. */
export type BatchItem = { idempotencyKey?: string | null; batch_size?: number | null }

/** A built row, and why part of its payload was not used. */
export type Built<Row> = { request: Row; note?: string }

/** A row to send: every index it answers for (a message may repeat), its JSON and UTF-8 size, key and order. */
type PendingRow = { indices: number[]; text: string; bytes: number; key?: string; order: string; note?: string }

/** A row FullStory refused after accepting its job, as its errors echo it. */
type Refusal = { code?: string; message?: string; echo?: unknown }

const jobEndpoints = {
  users: { create: endpoints.createUsersJob, job: endpoints.usersJob },
  events: { create: endpoints.createEventsJob, job: endpoints.eventsJob }
} as const

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends a batch as batch import jobs and answers every index of it. */
export async function sendBatch<Payload extends BatchItem, Row>(
  request: RequestClient,
  apiKey: string,
  kind: JobKind,
  payloads: Payload[],
  build: (payload: Payload) => Built<Row>,
  timing: FollowTiming = FOLLOW
): Promise<MultiStatusResponse> {
  const response = new MultiStatusResponse()
  const rows: PendingRow[] = []
  const byKey = new Map<string, PendingRow>()
  const path = jobEndpoints[kind].create.path
  payloads.forEach((payload, index) => {
    let built: Built<Row>
    try {
      built = build(payload)
    } catch (error) {
      return response.setErrorResponseAtIndex(index, {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: why(error)
      })
    }
    const text = JSON.stringify(built.request)
    const message = messageKey(payload.idempotencyKey)
    const key = message === undefined ? undefined : deliveryKey(message, path, text)
    const seen = key === undefined ? undefined : byKey.get(key)
    if (seen) return seen.indices.push(index)
    // One user's rows keep their order (later values win); events go by their key.
    const order = kind === 'users' ? (built.request as { uid?: string }).uid ?? '' : key ?? text
    const row = { indices: [index], text, bytes: Buffer.byteLength(text, 'utf8'), key, order, note: built.note }
    if (key !== undefined) byKey.set(key, row)
    rows.push(row)
  })
  // The same rows make the same job, in whatever order they came (docs/rules.md#send-in-batches-and-batch-size).
  rows.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))

  const deadline = Date.now() + timing.budgetMs
  const jobs: Promise<void>[] = []
  for (const job of jobsOf(rows, jobSize(payloads[0]?.batch_size))) {
    const created = await createJob(request, apiKey, kind, job, response)
    if (!created) continue
    const outcome = follow(request, apiKey, kind, created, deadline, timing.firstPollMs)
    jobs.push(outcome.then((reported) => answer(job, created.id ?? '', reported, apiKey, response)))
  }
  await Promise.all(jobs)
  return response
}

/** Rows a job: Batch Size, never more than FullStory takes. */
export function jobSize(batchSize: number | null | undefined): number {
  return Math.min(Math.max(1, Math.floor(batchSize ?? MAX_JOB_ROWS)), MAX_JOB_ROWS)
}

const [BODY_START, BODY_END] = ['{"requests":[', ']}']

/** The rows cut into jobs, in order: at most `size` rows and MAX_JOB_BYTES of body each (docs/rules.md). */
function jobsOf(rows: PendingRow[], size: number): PendingRow[][] {
  const jobs: PendingRow[][] = []
  let bytes = 0
  for (const row of rows) {
    const job = jobs[jobs.length - 1]
    bytes += 1 + row.bytes
    if (job && job.length < size && bytes <= MAX_JOB_BYTES) job.push(row)
    else {
      jobs.push([row])
      bytes = BODY_START.length + BODY_END.length + row.bytes
    }
  }
  return jobs
}

/** Why a row could not be built: our checks' own words, or a value nested too deeply to read. */
function why(error: unknown): string {
  if (error instanceof PayloadValidationError) return error.message
  if (error instanceof RangeError) {
    return 'This event is nested too deeply to be read (a value inside another thousands of levels deep); it was not sent.'
  }
  throw error
}

/** Creates one job; answers its rows when FullStory refuses it. Its answer's `job`, when FullStory accepted it. */
async function createJob(
  request: RequestClient,
  apiKey: string,
  kind: JobKind,
  rows: PendingRow[],
  response: MultiStatusResponse
): Promise<NonNullable<JobAnswer['job']> | undefined> {
  const rowKeys = rows.flatMap((row) => (row.key === undefined ? [] : [row.key]))
  try {
    const { data } = await callFullStory<JobAnswer>(request, jobEndpoints[kind].create, {
      apiKey,
      body: jobBody(rows),
      // A row without a key of its own makes a job without one, as a single event would have.
      idempotencyKey: rowKeys.length === rows.length ? jobKey(kind, rowKeys) : undefined
    })
    return data?.job ?? {}
  } catch (error) {
    const status = (error as { status?: number }).status ?? 500
    const failure = { status, errortype: getErrorCodeFromHttpStatus(status), errormessage: (error as Error).message }
    for (const row of rows) for (const index of row.indices) response.setErrorResponseAtIndex(index, failure)
    return undefined
  }
}

/**
 * `{"requests":[<row>,...]}` as UTF-8, each row's text written straight into one buffer: faster than
 * joining the texts into one string, as docs/benchmarks.md measures.
 */
function jobBody(rows: PendingRow[]): Buffer {
  let size = BODY_START.length + BODY_END.length + rows.length - 1
  for (const row of rows) size += row.bytes
  const body = Buffer.allocUnsafe(size)
  let at = body.write(BODY_START, 0, 'latin1')
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) at += body.write(',', at, 'latin1')
    at += body.write(rows[i].text, at, 'utf8')
  }
  body.write(BODY_END, at, 'latin1')
  return body
}

const NOT_REPORTED = 'FullStory has accepted the job and not yet reported on it'

/** What FullStory reported on a job, or why that is not known (`pending`). */
type Outcome = { status: JobStatus; refused: Refusal[]; pending?: string }

/** Follows a job until FullStory reports on it, the deadline passes, or asking fails. */
async function follow(
  request: RequestClient,
  apiKey: string,
  kind: JobKind,
  created: NonNullable<JobAnswer['job']>,
  deadline: number,
  firstPollMs: number
): Promise<Outcome> {
  const pending = (why = NOT_REPORTED): Outcome => ({ status: 'PROCESSING', refused: [], pending: why })
  const id = created.id
  if (!id) return pending('FullStory accepted the job without naming it')
  const call = <Data>(subpath: string, searchParams?: Record<string, string>) => {
    const timeoutMs = Math.max(1, deadline - Date.now())
    return callFullStory<Data>(request, jobEndpoints[kind].job, { apiKey, subpath, searchParams, timeoutMs })
  }
  try {
    // FullStory answers a creation PROCESSING; an answer that already says more needs no poll.
    let status: JobStatusAnswer = { job: created }
    for (let wait = firstPollMs; status.job?.status !== 'COMPLETED' && status.job?.status !== 'FAILED'; wait *= 2) {
      if (Date.now() + wait >= deadline) return pending()
      await sleep(wait)
      status = (await call<JobStatusAnswer>(encodeURIComponent(id))).data ?? {}
    }
    if (status.job?.status === 'COMPLETED' && !((status.errors ?? 0) > 0)) return { status: 'COMPLETED', refused: [] }
    const refused: Refusal[] = []
    for (let token: string | undefined = ''; token !== undefined; ) {
      const page: ModifiedResponse<JobErrorsAnswer> = await call(
        `${encodeURIComponent(id)}/errors`,
        token ? { page_token: token } : undefined
      )
      if (page.status === 202) return pending('FullStory has accepted the job and not yet listed its refused rows')
      for (const { code, message, user, event } of page.data?.results ?? [])
        refused.push({ code, message, echo: user ?? event })
      const next: string | undefined = page.data?.next_page_token
      token = next && next !== token ? next : undefined
    }
    return { status: status.job?.status ?? 'FAILED', refused }
  } catch (error) {
    // A request past the budget (errors.ts answers 408) is no report yet.
    if ((error as { status?: number }).status === 408) return pending()
    return pending(`FullStory has accepted the job; following it ended (${causeOf(error)})`)
  }
}

/** A JSON value with its object keys sorted and null members left out: two echoes of one row compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) return member
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(member).sort()) {
      const item = (member as Record<string, unknown>)[key]
      if (item !== null && item !== undefined) sorted[key] = item
    }
    return sorted
  })
}

/** FullStory's code for a refused row as a status: retryable ones stay retryable. */
function refusalStatus(code: string | undefined): number {
  if (code === 'too_many_requests' || code === 'resource_exhausted') return 429
  if (code === 'server_error' || code === 'internal' || code === 'unavailable') return 500
  return 400
}

/** Answers every row of a job from what FullStory reported on it (docs/rules.md#send-in-batches-and-batch-size). */
function answer(rows: PendingRow[], id: string, outcome: Outcome, apiKey: string, response: MultiStatusResponse) {
  const job = { id, status: outcome.status }
  // Rows are parsed again only when FullStory lists refused rows to match.
  const canonicals = outcome.refused.length > 0 ? rows.map((row) => canonical(JSON.parse(row.text))) : []
  const byCanonical = new Map<string, PendingRow[]>()
  canonicals.forEach((key, i) => byCanonical.set(key, [...(byCanonical.get(key) ?? []), rows[i]]))
  const refusals = new Map<PendingRow, Refusal>()
  const unmatched: Refusal[] = []
  for (const refusal of outcome.refused) {
    const matches = byCanonical.get(canonical(refusal.echo)) ?? []
    if (matches.length === 1 && !refusals.has(matches[0])) refusals.set(matches[0], refusal)
    else unmatched.push(refusal)
  }
  const unmatchedNote =
    unmatched.length > 0 &&
    `FullStory refused ${unmatched.length} row(s) of this job that match no single event here: ` +
      unmatched.map((refusal) => quoteFullStory(refusal, apiKey)).join('; ')
  const note = [outcome.pending, unmatchedNote].filter(Boolean).join(' ')
  const accepted = note ? { job, note } : { job }
  // FAILED with no refused row listed: FullStory's failure is every row's (a retry would replay this job).
  const failed = outcome.status === 'FAILED' && outcome.refused.length === 0
  for (const row of rows) {
    const refusal =
      refusals.get(row) ?? (failed ? { message: 'the job failed and FullStory lists no refused row' } : undefined)
    const status = refusal ? (failed ? 422 : refusalStatus(refusal.code)) : 200
    for (const index of row.indices) {
      if (refusal) {
        response.setErrorResponseAtIndex(index, {
          status,
          errortype: getErrorCodeFromHttpStatus(status),
          errormessage: `FullStory refused this row of batch import job ${id}: ${quoteFullStory(refusal, apiKey)}`,
          sent: row.text,
          body: { job, code: refusal.code ?? null, message: refusal.message ?? null }
        })
      } else {
        const body = row.note ? { job, note: note ? `${row.note} ${note}` : row.note } : accepted
        response.setSuccessResponseAtIndex(index, { status: 200, sent: row.text, body })
      }
    }
  }
}
