import type { Request, Response } from 'express'
import { defaultValues, type JSONObject } from '@segment/actions-core'
import definition from '../../../src'
import type { Settings } from '../../../src/generated-types'
import { MONOREPO_DIRECTORY } from '../../constants'
import { cleanMessage } from '../errors'
import type { Recorded } from '../exchanges'
import { redactDeep, type Secrets } from '../redact'
import type { Runtime } from '../runtime'
import { errorOutput, fieldsOf } from './errors'

/**
 * The routes of the monorepo's `./bin/run serve` (packages/cli/src/lib/server.ts in
 * segmentio/action-destinations), with its request and answer shapes, run through actions-core:
 *
 *   GET  /manifest            the definition (as JSON) with `directoryName`
 *   POST /authenticate        the settings as the body: 200 `{ok: true}` or `{ok: false, error, fields}`
 *   POST /<actionKey>         `{payload, settings, mapping?, auth?}`: an object payload runs `execute`
 *                             (perform), an array `executeBatch` (performBatch); the mapping is the
 *                             action's defaults with `mapping` laid over them
 *   POST /delete              `{payload: {userId, anonymousId}, settings}`: onDelete
 *   POST /refreshAccessToken  OAuth only: 400 `{ok: false, error}` for this destination
 *
 * Action and /delete routes answer 200 with the HTTP exchanges the call had with FullStory
 * (exchanges.ts), or 200 with `[errorOutput]` when it failed. One addition: `settings.apiKey` may
 * be left out on action and /delete routes, and the server's own key is used.
 */

function bodyOf(req: Request): Record<string, unknown> {
  return req.body as Record<string, unknown>
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function settingsWithKey(runtime: Runtime, settings: unknown): Settings {
  const given = isObject(settings) ? settings : {}
  return { ...given, apiKey: given.apiKey ?? runtime.apiKey } as unknown as Settings
}

export function manifest() {
  return function sendManifest(_req: Request, res: Response): void {
    res.json({ ...definition, directoryName: MONOREPO_DIRECTORY })
  }
}

export function authenticate(runtime: Runtime) {
  return async function testAuthentication(req: Request, res: Response): Promise<void> {
    const settings = bodyOf(req)
    const secrets = runtime.secrets(settings.apiKey)
    const ran = await runtime.run((destination) => destination.testAuthentication(settings as unknown as Settings))
    if (!ran.failed) return void res.json({ ok: true })
    const error = ran.error as { message?: string }
    res.locals.note = 'ok: false'
    res.json({
      ok: false,
      error: cleanMessage(error?.message ?? String(ran.error), secrets),
      fields: fieldsOf(ran.error) ?? {}
    })
  }
}

/** The CLI's answer to an action or delete call: its exchanges with FullStory, or `[errorOutput]`. */
function answerWithExchanges(res: Response, ran: Recorded<unknown>, secrets: Secrets): void {
  if (ran.failed) {
    const output = errorOutput(ran.error, secrets)
    res.locals.note = `error ${output.statusCode}`
    res.json([output])
    return
  }
  res.json(redactDeep(ran.exchanges, secrets))
}

export function runAction(runtime: Runtime, actionKey: string) {
  return async function performAction(req: Request, res: Response): Promise<void> {
    const body = bodyOf(req)
    const action = runtime.destination.actions[actionKey]
    const settings = settingsWithKey(runtime, body.settings)
    const secrets = runtime.secrets(settings.apiKey)
    const mapping = {
      ...defaultValues(action.definition.fields),
      ...(isObject(body.mapping) ? body.mapping : {})
    } as JSONObject
    const payload = body.payload ?? {}
    const auth = (isObject(body.auth) ? body.auth : {}) as never
    const ran = await runtime.run(async () => {
      if (Array.isArray(payload)) {
        const multistatus = await action.executeBatch({ data: payload as JSONObject[], settings, mapping, auth })
        res.locals.note = `batch of ${payload.length}: ${multistatus.map((entry) => entry.status).join(' ')}`
      } else {
        await action.execute({ data: payload as JSONObject, settings, mapping, auth })
      }
    })
    answerWithExchanges(res, ran, secrets)
  }
}

export function deleteUser(runtime: Runtime) {
  return async function runDelete(req: Request, res: Response): Promise<void> {
    const body = bodyOf(req)
    const settings = settingsWithKey(runtime, body.settings)
    const secrets = runtime.secrets(settings.apiKey)
    const payload = (isObject(body.payload) ? body.payload : {}) as never
    const ran = await runtime.run(async (destination) => {
      await destination.onDelete?.(payload, settings as unknown as JSONObject)
    })
    answerWithExchanges(res, ran, secrets)
  }
}

export function refreshAccessToken(runtime: Runtime) {
  return async function refreshToken(req: Request, res: Response): Promise<void> {
    const ran = await runtime.run((destination) => destination.refreshAccessToken({} as Settings, bodyOf(req) as never))
    if (!ran.failed) return void res.json({ ok: true, data: ran.value })
    const error = ran.error as { message?: string }
    res.status(400).json({ ok: false, error: cleanMessage(error?.message ?? String(ran.error), runtime.secrets()) })
  }
}
