import nock from 'nock'
import { Destination } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import definition from '../index'
import { PUBLISHED_ACTION_KEYS, publishedSubscriptions, savedSettings } from './__helpers__/published-subscriptions'
import type { SavedSubscription } from './__helpers__/published-subscriptions'

/**
 * Subscriptions saved against Segment's published FullStory destination run here unchanged: each one
 * sends the request FullStory's v2 API accepts, or refuses the event naming the field to map. A saved
 * mapping holds only its own keys, so fields added since (Context, Property Types, Idempotency Key)
 * are unset: no context, no declared types, no Idempotency-Key (docs/migrating.md).
 */

const API = 'https://api.fullstory.com'
const apiKey = 'na1.saved-subscriptions-key'
const SESSION_URL = 'https://app.fullstory.com/ui/o-1AB2C3-na1/session/5412093185638400%3A6543210987654321'

const subscription = (name: string): SavedSubscription => {
  const found = publishedSubscriptions.find((s) => s.name === name)
  if (!found) throw new Error(`no fixture named ${name}`)
  return found
}

const identify: SegmentEvent = {
  type: 'identify',
  userId: 'user-42',
  anonymousId: 'anon-42',
  messageId: 'msg-identify-1',
  timestamp: '2024-05-01T12:00:00.000Z',
  traits: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro', 'Plan Type': 'annual', seats: 12 },
  context: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0' }
}

const userBody = {
  uid: 'user-42',
  display_name: 'Ada Lovelace',
  email: 'ada@example.com',
  properties: {
    segmentAnonymousId: 'anon-42',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    plan: 'pro',
    PlanType: 'annual',
    seats: 12
  }
}

const track = (properties: Record<string, unknown> = {}): SegmentEvent => ({
  type: 'track',
  event: 'Order Completed',
  userId: 'user-42',
  anonymousId: 'anon-42',
  messageId: 'msg-track-1',
  timestamp: '2024-05-01T12:00:00.000Z',
  properties: { order_id: 'o-1', total: 42.5, ...properties },
  context: { page: { url: 'https://example.com/checkout' }, userAgent: 'Mozilla/5.0' }
})

/** One POST with exactly this body and the destination's headers, and no Idempotency-Key. */
function expectPost(path: string, body: object, reply: object) {
  return nock(API, { badheaders: ['idempotency-key'] })
    .post(path, body as nock.RequestBodyMatcher)
    .matchHeader('authorization', `Basic ${apiKey}`)
    .matchHeader('integration-source', 'segment')
    .matchHeader('content-type', 'application/json')
    .reply(200, reply)
}

async function run(event: SegmentEvent, saved: SavedSubscription) {
  return new Destination(definition).onEvent(event, savedSettings(apiKey, saved))
}

describe('subscriptions saved against the published destination', () => {
  it('use no action key this definition lacks, and no field key its action lacks', () => {
    expect(Object.keys(definition.actions).sort()).toEqual([...PUBLISHED_ACTION_KEYS].sort())
    for (const saved of publishedSubscriptions) {
      const fields = Object.keys(definition.actions[saved.partnerAction].fields)
      for (const key of Object.keys(saved.mapping)) expect(fields).toContain(key)
    }
  })

  it('keep Identify User and Track Custom Event visible and the V2 keys hidden', () => {
    expect(definition.actions.identifyUser.hidden).toBeFalsy()
    expect(definition.actions.trackEvent.hidden).toBeFalsy()
    expect(definition.actions.identifyUserV2.hidden).toBe(true)
    expect(definition.actions.trackEventV2.hidden).toBe(true)
  })

  // The names FullStory stored for each: the published V2 action stripped characters, the legacy one
  // camel-cased for FullStory's v1 API (docs/rules.md#legacy-names).
  describe.each([
    ['Identify User V2 (the published Identify User preset)', 'PlanType'],
    ['Identify User (legacy)', 'planType']
  ])('%s', (name, planType) => {
    it(`upserts the user by uid on POST /v2/users, 'Plan Type' named ${planType}`, async () => {
      const { segmentAnonymousId, name: traitName, email, plan, PlanType, seats } = userBody.properties
      const properties = { segmentAnonymousId, name: traitName, email, plan, [planType]: PlanType, seats }
      const scope = expectPost('/v2/users', { ...userBody, properties }, { id: 'fs-user-1' })
      const results = await run(identify, subscription(name))
      expect(scope.isDone()).toBe(true)
      expect(results[results.length - 1]).toEqual({ data: { id: 'fs-user-1' }, output: 'Action Executed' })
    })

    it('refuses an identify without a userId, naming the field to map', async () => {
      const error = await run({ ...identify, userId: undefined }, subscription(name)).catch((e: Error) => e)
      // The published legacy action requires its User ID; its V2 action does not, so the check is ours.
      expect((error as Error).message).toBe(
        subscription(name).partnerAction === 'identifyUserV2'
          ? 'User ID is missing or blank: FullStory would create a new anonymous user for every identify without ' +
              'one, so the user was not sent. Map User ID to the Segment userId (the default) or to another stable ' +
              'ID; anonymous visitors are best sent as events.'
          : "The root value is missing the required field 'userId'."
      )
      expect((error as { status?: number }).status).toBe(400)
      expect(nock.pendingMocks()).toEqual([])
    })
  })

  describe.each(['Track Event V2 (the published Track Event preset)', 'Track Event (legacy)'])('%s', (name) => {
    it('sends the event by User ID, without a session (Use Recent Session unset) and without context', async () => {
      const scope = expectPost(
        '/v2/events',
        {
          name: 'Order Completed',
          timestamp: '2024-05-01T12:00:00.000Z',
          user: { uid: 'user-42' },
          properties: { order_id: 'o-1', total: 42.5 }
        },
        {}
      )
      const results = await run(track(), subscription(name))
      expect(scope.isDone()).toBe(true)
      expect(results[results.length - 1]).toMatchObject({ output: 'Action Executed' })
    })

    // The published Track Event required its User ID; its Track Event V2 sent such an event to a new
    // anonymous FullStory user, and a saved V2 subscription still does (docs/migrating.md).
    it('an event with neither a User ID nor a Session URL: refused (legacy) or sent anonymously (V2)', async () => {
      const v2 = subscription(name).partnerAction === 'trackEventV2'
      const scope = v2
        ? expectPost(
            '/v2/events',
            {
              name: 'Order Completed',
              timestamp: '2024-05-01T12:00:00.000Z',
              properties: { order_id: 'o-1', total: 42.5 }
            },
            {}
          )
        : undefined
      const outcome = await run({ ...track(), userId: null }, subscription(name)).catch((e: Error) => e)
      if (v2) {
        expect(scope?.isDone()).toBe(true)
        expect((outcome as { data?: unknown }[]).pop()?.data).toEqual({
          fullstory: {},
          note: 'The event has no User ID, so FullStory records it under a new anonymous user.'
        })
      } else {
        expect((outcome as Error).message).toMatch(/^The root value is missing the required field 'userId'\./)
        expect(nock.pendingMocks()).toEqual([])
      }
    })
  })

  describe.each([
    'Track Event V2 with Use Recent Session and Session URL mapped',
    'Track Event (legacy) with Use Recent Session and Session URL mapped'
  ])('%s', (name) => {
    it('sends an event that carries a session URL to that session alone (no user beside it)', async () => {
      const scope = expectPost(
        '/v2/events',
        {
          name: 'Order Completed',
          timestamp: '2024-05-01T12:00:00.000Z',
          session: { id: '5412093185638400:6543210987654321' },
          properties: { order_id: 'o-1', total: 42.5, fullstoryUrl: SESSION_URL }
        },
        {}
      )
      await run(track({ fullstoryUrl: SESSION_URL }), subscription(name))
      expect(scope.isDone()).toBe(true)
    })

    it("sends an event without one by User ID on the user's recent session", async () => {
      const scope = expectPost(
        '/v2/events',
        {
          name: 'Order Completed',
          timestamp: '2024-05-01T12:00:00.000Z',
          user: { uid: 'user-42' },
          session: { use_most_recent: true },
          properties: { order_id: 'o-1', total: 42.5 }
        },
        {}
      )
      await run(track(), subscription(name))
      expect(scope.isDone()).toBe(true)
    })

    it('sends an anonymous event that carries a session URL to that session', async () => {
      const scope = expectPost(
        '/v2/events',
        {
          name: 'Order Completed',
          timestamp: '2024-05-01T12:00:00.000Z',
          session: { id: '5412093185638400:6543210987654321' },
          properties: { order_id: 'o-1', total: 42.5, fullstoryUrl: SESSION_URL }
        },
        {}
      )
      await run({ ...track({ fullstoryUrl: SESSION_URL }), userId: null }, subscription(name))
      expect(scope.isDone()).toBe(true)
    })
  })

  it('runs every saved subscription on its own event type and on no other', async () => {
    nock(API).persist().post(/.*/).reply(200, {})
    for (const saved of publishedSubscriptions) {
      const own = saved.subscribe.includes('identify') ? identify : track()
      const other = own === identify ? track() : identify
      const results = await run(own, saved)
      expect(results[results.length - 1]).toMatchObject({ output: 'Action Executed' })
      expect(await run(other, saved)).toEqual([{ output: 'not subscribed' }])
    }
  })
})
