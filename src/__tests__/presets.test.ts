import nock from 'nock'
import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { readFileSync } from 'fs'
import path from 'path'
import definition from '../index'
import { expectedDeliveryKey } from './__helpers__/expected-keys'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.presets-test-key'

const presets = definition.presets ?? []

function settingsFor(preset: typeof presets[number]): JSONObject {
  if (preset.type !== 'automatic') throw new Error(`${preset.name} is not an automatic preset`)
  const { subscribe, partnerAction, mapping } = preset
  return { apiKey, subscriptions: [{ subscribe, partnerAction, mapping }] } as unknown as JSONObject
}

const eventsByType: Record<string, SegmentEvent> = {
  identify: { type: 'identify', userId: 'user-1', messageId: 'm-i', traits: {} },
  track: { type: 'track', event: 'Signed Up', userId: 'user-1', messageId: 'm-t' },
  page: { type: 'page', name: 'Home', userId: 'user-1', messageId: 'm-p' },
  screen: { type: 'screen', name: 'Home', userId: 'user-1', messageId: 'm-s' }
}

describe('presets', () => {
  it('are Identify User and Track Custom Event, each on its own event type; page calls get no preset', () => {
    expect(presets.map((p) => [p.name, p.type === 'automatic' ? p.subscribe : undefined, p.partnerAction])).toEqual([
      ['Identify User', 'type = "identify"', 'identifyUser'],
      ['Track Custom Event', 'type = "track"', 'trackEvent']
    ])
  })

  it.each(presets.map((p) => [p.name, p] as const))('%s maps only fields its action has', (_name, preset) => {
    const action = definition.actions[preset.partnerAction]
    expect(action.title).toEqual(expect.any(String))
    expect(action.hidden).toBeFalsy()
    const fields = action.fields
    for (const [key, value] of Object.entries(preset.mapping ?? {})) {
      expect(Object.keys(fields)).toContain(key)
      const subFields = fields[key].properties
      const isDirective =
        value !== null && typeof value === 'object' && Object.keys(value).some((k) => k.startsWith('@'))
      if (subFields && value !== null && typeof value === 'object' && !isDirective) {
        for (const subKey of Object.keys(value)) expect(Object.keys(subFields)).toContain(subKey)
      }
    }
    const required = Object.entries(fields)
      .filter(([, field]) => field.required === true)
      .map(([key]) => key)
    for (const key of required) expect(Object.keys(preset.mapping ?? {})).toContain(key)
  })

  it.each(presets.map((p) => [p.name, p] as const))(
    '%s runs on its own event type and on no other',
    async (_name, preset) => {
      if (preset.type !== 'automatic') throw new Error('expected an automatic preset')
      const own = preset.subscribe.replace(/^type = "(\w+)"$/, '$1')
      expect(Object.keys(eventsByType)).toContain(own)
      nock(API).persist().post(/.*/).reply(200, {})
      const destination = new Destination(definition)
      for (const [type, event] of Object.entries(eventsByType)) {
        const results = await destination.onEvent(event, settingsFor(preset))
        if (type === own) expect(results[results.length - 1]).toMatchObject({ output: 'Action Executed' })
        else expect(results).toEqual([{ output: 'not subscribed' }])
      }
    }
  )
})

describe('the page-call recipe of docs/page-calls.md', () => {
  // The subscription an admin copies from the docs, read from the docs themselves so they stay true.
  const docs = readFileSync(path.join(__dirname, '../../docs/page-calls.md'), 'utf8')
  const recipe = JSON.parse(/```json\n([^]*?)```/.exec(docs)?.[1] ?? 'null') as {
    subscribe: string
    partnerAction: string
    mapping: JSONObject
  }
  const settings = { apiKey, subscriptions: [recipe] } as unknown as JSONObject

  const pageEvent = (name: string | undefined): SegmentEvent => ({
    type: 'page',
    name,
    userId: 'user-1',
    anonymousId: 'anon-1',
    messageId: 'msg-page-1',
    timestamp: '2024-05-01T09:30:00.000Z',
    properties: { path: '/pricing', url: 'https://example.com/pricing', title: 'Pricing - Example' },
    context: { page: { url: 'https://example.com/pricing' }, userAgent: 'UA/1.0' }
  })

  const expectedBody = (name: string) => ({
    name,
    timestamp: '2024-05-01T09:30:00.000Z',
    user: { uid: 'user-1' },
    session: { use_most_recent: true },
    context: { browser: { url: 'https://example.com/pricing', user_agent: 'UA/1.0' } },
    properties: { path: '/pricing', url: 'https://example.com/pricing', title: 'Pricing - Example' }
  })

  function expectPageEvent(name: string) {
    return nock(API)
      .post('/v2/events', expectedBody(name))
      .matchHeader('authorization', `Basic ${apiKey}`)
      .matchHeader('integration-source', 'segment')
      .matchHeader('idempotency-key', expectedDeliveryKey('msg-page-1', '/v2/events', expectedBody(name)))
      .reply(200, {})
  }

  it('is a Track Custom Event subscription on page calls', () => {
    expect(recipe).toMatchObject({ subscribe: 'type = "page"', partnerAction: 'trackEvent' })
  })

  it('sends a named page as "Viewed <name>"', async () => {
    const scope = expectPageEvent('Viewed Pricing')
    const results = await new Destination(definition).onEvent(pageEvent('Pricing'), settings)
    expect(scope.isDone()).toBe(true)
    expect(results[results.length - 1]).toMatchObject({ output: 'Action Executed' })
  })

  it.each([[undefined], ['']])('sends a page named %j as "Viewed Page"', async (name) => {
    const scope = expectPageEvent('Viewed Page')
    await new Destination(definition).onEvent(pageEvent(name), settings)
    expect(scope.isDone()).toBe(true)
  })

  it('leaves track and identify calls alone', async () => {
    for (const type of ['track', 'identify'] as const) {
      expect(await new Destination(definition).onEvent(eventsByType[type], settings)).toEqual([
        { output: 'not subscribed' }
      ])
    }
  })
})
