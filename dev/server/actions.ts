import { createRequestClient, defaultValues, type Destination, type JSONObject } from '@segment/actions-core'
import type { Settings } from '../../src/generated-types'
import { HttpError } from './http'

/**
 * The routes of the monorepo's `./bin/run serve`, run through actions-core:
 *   POST /<actionKey>     `{payload, settings, mapping?}`: `payload` an event object runs the action's
 *                         `execute` (perform); an array runs `executeBatch` (performBatch). The mapping
 *                         is the action's default mapping with `mapping` laid over it. `settings.apiKey`
 *                         may be left out: the key the server delivers with is used.
 *   POST /authentication  `{settings}`: the destination's testAuthentication (GET /me).
 *   POST /delete          `{payload: {userId}, settings}`: the destination's onDelete.
 */
export interface ActionRuntime {
  destination: Destination<Settings>
  /** The key the server delivers with. */
  apiKey: string
}

function objectField(body: Record<string, unknown>, name: string, code: string): Record<string, unknown> {
  const value = body[name]
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, code, `The body needs "${name}" as a JSON object.`)
  }
  return value as Record<string, unknown>
}

function settingsFrom(body: Record<string, unknown>, fallbackKey?: string): Settings {
  const settings = objectField(body, 'settings', 'missing_settings')
  const withKey = fallbackKey && settings.apiKey === undefined ? { ...settings, apiKey: fallbackKey } : { ...settings }
  return withKey as unknown as Settings
}

export function actionKeys(runtime: ActionRuntime): string[] {
  return Object.keys(runtime.destination.actions)
}

/** Runs one action; answers `{results}` (perform) or `{multistatus}` (performBatch). */
export async function runAction(
  runtime: ActionRuntime,
  actionKey: string,
  body: Record<string, unknown>
): Promise<{ value: unknown; rows: number; batch: boolean }> {
  const action = runtime.destination.actions[actionKey]
  if (!action) {
    throw new HttpError(404, 'unknown_action', `No action "${actionKey}"; actions: ${actionKeys(runtime).join(', ')}.`)
  }
  const settings = settingsFrom(body, runtime.apiKey)
  const payload = body.payload
  if (typeof payload !== 'object' || payload === null) {
    throw new HttpError(
      400,
      'missing_payload',
      'The body needs "payload": an event object, or an array of them for a batch.'
    )
  }
  if (body.mapping !== undefined) objectField(body, 'mapping', 'invalid_mapping')
  const mapping = {
    ...defaultValues(action.definition.fields),
    ...(body.mapping as JSONObject | undefined)
  } as JSONObject
  runtime.destination.validateSettings(settings)
  if (Array.isArray(payload)) {
    const multistatus = await action.executeBatch({ data: payload as JSONObject[], settings, mapping, auth: undefined })
    return { value: { multistatus }, rows: payload.length, batch: true }
  }
  const results = await action.execute({ data: payload as JSONObject, settings, mapping, auth: undefined })
  return { value: { results }, rows: 1, batch: false }
}

/**
 * The destination's testAuthentication, run as actions-core's `Destination.testAuthentication` runs
 * it, but keeping the error's status (actions-core rewraps it as a plain Error).
 */
export async function testAuthentication(runtime: ActionRuntime, body: Record<string, unknown>): Promise<unknown> {
  const settings = settingsFrom(body)
  const { destination } = runtime
  destination.validateSettings(settings)
  const test = destination.definition.authentication?.testAuthentication
  if (!test) return { ok: true }
  const options = destination.extendRequest?.({ settings, payload: undefined, auth: undefined }) ?? {}
  // a custom-scheme destination has no OAuth tokens; actions-core passes empty ones too
  const auth = {} as Parameters<typeof test>[1]['auth']
  await test(createRequestClient(options), { settings, auth })
  return { ok: true }
}

/** The destination's onDelete for `{payload: {userId, anonymousId}, settings}`. */
export async function runDelete(runtime: ActionRuntime, body: Record<string, unknown>): Promise<unknown> {
  const settings = settingsFrom(body, runtime.apiKey)
  const payload = objectField(body, 'payload', 'missing_payload')
  const { destination } = runtime
  if (!destination.onDelete) throw new HttpError(501, 'not_implemented', 'This destination has no onDelete.')
  const result = await destination.onDelete(payload as never, settings as unknown as JSONObject)
  return { result }
}
