import { readFileSync } from 'fs'
import path from 'path'
import nock from 'nock'
import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../src'
import { expectedDeliveryKey } from '../src/__tests__/__helpers__/expected-keys'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.page-calls-test-key'

describe('the page-call recipe of docs/page-calls.md', () => {
  // The subscription an admin copies from the docs, read from the docs themselves so they stay true.
  const docs = readFileSync(path.join(__dirname, '../docs/page-calls.md'), 'utf8')
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
      const event = { type, event: 'Signed Up', userId: 'user-1', messageId: 'm-1', traits: {} } as SegmentEvent
      expect(await new Destination(definition).onEvent(event, settings)).toEqual([{ output: 'not subscribed' }])
    }
  })
})
