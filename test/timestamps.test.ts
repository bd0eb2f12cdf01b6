import { execFileSync } from 'child_process'
import { readFileSync } from 'fs'
import path from 'path'
import nock from 'nock'
import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../src'

// docs/rules.md#timestamp's table, input by input, through Destination.onEvent: every event is sent,
// with the timestamp the table says or none. Then the same inputs under another host time zone.

const ROOT = path.resolve(__dirname, '..')
const rules = readFileSync(path.join(ROOT, 'docs/rules.md'), 'utf8')
const table = /<!-- timestamps:begin -->([^]*?)<!-- timestamps:end -->/.exec(rules)?.[1] ?? ''
const rows = [...table.matchAll(/^\| `(.+?)` +\| (`(.+?)`|left out) +\|$/gm)].map(
  ([, input, , sent]) => [JSON.parse(input) as unknown, sent ?? null] as const
)

const settings = {
  apiKey: 'na1.timestamps-test-key',
  subscriptions: [
    {
      subscribe: 'type = "track"',
      partnerAction: 'trackEvent',
      mapping: definition.presets?.find((preset) => preset.partnerAction === 'trackEvent')?.mapping
    }
  ]
} as unknown as JSONObject

it('reads the table', () => {
  expect(rows.length).toBeGreaterThan(60)
  expect(rows.filter(([, sent]) => sent === null).length).toBeGreaterThan(25)
})

it.each(rows)('%j: sent as %s', async (input, sent) => {
  let body: Record<string, unknown> = {}
  const scope = nock('https://api.fullstory.com')
    .post('/v2/events', (received: Record<string, unknown>) => ((body = received), true))
    .reply(200, {})
  const event = { type: 'track', event: 'Signed Up', userId: 'u-1', messageId: 'm-1', timestamp: input }
  await new Destination(definition).onEvent(event as unknown as SegmentEvent, settings)
  expect(scope.isDone()).toBe(true)
  expect(body.timestamp ?? null).toBe(sent)
})

it('gives the same answers under another host time zone', () => {
  const script = `
    const { parseTimestamp } = require('./src/api/timestamp')
    const offset = new Date(Date.UTC(2024, 4, 1, 12)).getTimezoneOffset()
    const inputs = JSON.parse(process.argv[1])
    process.stdout.write(JSON.stringify([offset, inputs.map((input) => parseTimestamp(input) ?? null)]))`
  const output = execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', script, JSON.stringify(rows.map(([input]) => input))],
    { cwd: ROOT, env: { ...process.env, TZ: 'America/Los_Angeles' }, timeout: 60_000 }
  )
  expect(JSON.parse(output.toString())).toEqual([420, rows.map(([, sent]) => sent)])
})
