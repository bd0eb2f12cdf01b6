import { defaultValues } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import type { Settings } from '../../src/generated-types'
import { HttpError } from '../http'
import { cleanMessage, failureOf, redactDeep } from './runtime'
import type { Recorded, Runtime } from './runtime'
import { MAX_DEPTH, nestedDeeperThan } from './tracking'
import type { Call, Context, Reply } from '.'

/**
 * The routes of the monorepo's `./bin/run serve` (packages/cli/src/lib/server.ts in
 * segmentio/action-destinations), with its request and answer shapes (dev/README.md says where they
 * differ), run through actions-core.
 */
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** 400 `too_deeply_nested` when actions-core's mapping would run out of stack on `value`. */
const tooDeep = (value: unknown, what = 'The body') =>
  nestedDeeperThan(value)
    ? new HttpError(400, 'too_deeply_nested', `${what} nests arrays and objects more than ${MAX_DEPTH} deep.`)
    : undefined

function checkDepth(value: unknown): void {
  const error = tooDeep(value)
  if (error) throw error
}

const settingsOf = (runtime: Runtime, settings: unknown) =>
  ({
    ...(isObject(settings) ? settings : {}),
    apiKey: (isObject(settings) && settings.apiKey) || runtime.apiKey
  } as Settings)

function errorOutput(error: unknown, secrets: ReturnType<Runtime['secrets']>) {
  const { status, message, fields } = failureOf(error, secrets)
  return { statusCode: status, message, ...(fields && { fields }), requestError: true }
}

function exchangesOrError(ran: Recorded<unknown>, secrets: ReturnType<Runtime['secrets']>, note?: string): Reply {
  if (!ran.failed) return { body: redactDeep(ran.exchanges, secrets), note }
  const output = errorOutput(ran.error, secrets)
  return { body: [output], note: `error ${output.statusCode}` }
}

export async function authenticate({ runtime }: Context, { body }: Call): Promise<Reply> {
  checkDepth(body)
  const ran = await runtime.run((destination) => destination.testAuthentication(body as Settings))
  if (!ran.failed) return { body: { ok: true } }
  const { message, fields = {} } = failureOf(ran.error, runtime.secrets(body.apiKey))
  return { body: { ok: false, error: message, fields }, note: 'ok: false' }
}

export async function runAction({ runtime, log }: Context, { body, path }: Call): Promise<Reply> {
  const [payload, mapping] = [body.payload ?? {}, body.mapping ?? {}]
  checkDepth({ ...body, payload: Array.isArray(payload) ? [] : payload })
  if (!isObject(mapping)) throw new HttpError(400, 'invalid_mapping', 'The mapping must be a JSON object.')
  const action = runtime.destination.actions[path.slice(1)]
  const settings = settingsOf(runtime, body.settings)
  const secrets = runtime.secrets(settings.apiKey)
  const auth = (isObject(body.auth) ? body.auth : {}) as never
  const input = { settings, auth, mapping: { ...defaultValues(action.definition.fields), ...mapping } as JSONObject }
  if (!Array.isArray(payload)) {
    return exchangesOrError(await runtime.run(() => action.execute({ ...input, data: payload as JSONObject })), secrets)
  }
  const refused = payload.map((element, i) => tooDeep(element, `payload[${i}]`))
  const data = payload.filter((_element, i) => !refused[i]) as JSONObject[]
  const ran = await runtime.run(async () => (data.length ? action.executeBatch({ ...input, data }) : []))
  const ranEntries = [...((ran.value ?? []) as Entry[])]
  const entries = refused.map((error) => (error ? { status: 400, errormessage: error.message } : ranEntries.shift()))
  for (const line of jobOutcomes(entries)) log(`POST ${path}`, line)
  const reply = exchangesOrError(ran, secrets, `batch of ${payload.length}: ${entries.map((e) => e?.status).join(' ')}`)
  const errors = refused.flatMap((error) => (error ? [errorOutput(error, secrets)] : []))
  return ran.failed ? reply : { ...reply, body: [...(reply.body as unknown[]), ...errors] }
}

export async function deleteUser({ runtime }: Context, { body }: Call): Promise<Reply> {
  checkDepth(body)
  const settings = settingsOf(runtime, body.settings)
  const payload = (isObject(body.payload) ? body.payload : {}) as never
  const ran = await runtime.run(async (destination) =>
    destination.onDelete?.(payload, settings as unknown as JSONObject)
  )
  return exchangesOrError(ran, runtime.secrets(settings.apiKey))
}

export async function refreshAccessToken({ runtime }: Context, { body }: Call): Promise<Reply> {
  const ran = await runtime.run((destination) => destination.refreshAccessToken({} as Settings, body as never))
  if (!ran.failed) return { body: { ok: true, data: ran.value } }
  return {
    status: 400,
    body: { ok: false, error: cleanMessage(String((ran.error as Error)?.message), runtime.secrets()) }
  }
}

interface Entry {
  status?: number
  errormessage?: string
  body?: { job?: { id?: string; status?: string }; code?: string; note?: string }
}

/**
 * One line per batch import job from a batch's multistatus (what `executeBatch` / `onBatch` answer):
 * its id and status, how many of its rows FullStory accepted, refused after accepting the job (with
 * their index and FullStory's code) and has not reported on yet (200 under a job still PROCESSING:
 * the follow-up ended before FullStory reported, its `note` says why). A `note` on a row of a job
 * FullStory reported on says something else (an event sent anonymously, a Session URL not used,
 * Property Types left out): that row was accepted.
 *   job 5f0c... FAILED: 2 accepted, 1 refused ([1] invalid_argument), 0 pending
 */
export function jobOutcomes(entries: readonly (Entry | undefined)[]): string[] {
  const jobs = new Map<string, { status: string; accepted: number; refused: string[]; pending: number }>()
  entries.forEach((entry, i) => {
    const job = entry?.body?.job
    if (!job?.id || !entry) return
    const seen = jobs.get(job.id) ?? { status: '', accepted: 0, refused: [], pending: 0 }
    if (seen.status !== 'FAILED') seen.status = job.status ?? seen.status
    if (entry.status !== 200) seen.refused.push(`[${i}] ${entry.body?.code ?? entry.status}`)
    else if (job.status !== 'COMPLETED' && job.status !== 'FAILED') seen.pending++
    else seen.accepted++
    jobs.set(job.id, seen)
  })
  return [...jobs].map(
    ([id, { status, accepted, refused, pending }]) =>
      `job ${id} ${status || 'UNKNOWN'}: ${accepted} accepted, ${refused.length} refused` +
      `${refused.length ? ` (${refused.join(', ')})` : ''}, ${pending} pending`
  )
}
