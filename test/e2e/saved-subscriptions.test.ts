import { PayloadValidationError } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Simulator, StoredEvent, StoredUser } from '../../dev/simulator'
import { expectedDeliveryKey, expectedJobKey } from '../../src/__tests__/__helpers__/expected-keys'
import {
  PUBLISHED_ACTION_KEYS,
  publishedSubscriptions,
  savedSettings
} from '../../src/__tests__/__helpers__/published-subscriptions'
import type { SavedSubscription } from '../../src/__tests__/__helpers__/published-subscriptions'
import { API_KEY, presetSubscriptions, SecretWatch, startE2eSimulator, TEST_KEYS } from './helpers'
import type { E2eSimulator } from './helpers'
import type { Wire, WireRequest } from './wire'

// Subscriptions saved against Segment's published FullStory destination (test/published-subscriptions.ts),
// end to end: through `Destination.onEvent` / `onBatch` into the FullStory simulator, through a relay
// that records the exact bytes sent. Each saved subscription stores what FullStory should hold (the
// exact user, or the event with its name, properties and identification form), or refuses the event
// with an error that names the field to map. Also: one message feeding two subscriptions, the same
// message twice in one batch, and a delivery retried after its answer was lost.

let e2e: E2eSimulator
let sim: Simulator
let wire: Wire
const secrets = new SecretWatch([...TEST_KEYS])

beforeAll(async () => {
  e2e = await startE2eSimulator({ wire: true })
  sim = e2e.sim
  wire = e2e.wire as Wire
})
afterAll(() => e2e.stop())
beforeEach(() => {
  sim.reset()
  wire.reset()
})
afterEach(() => expect(secrets.leaks).toEqual([]))

// ---------------------------------------------------------------------------------------------
// Realistic events, and what FullStory must receive for them (docs/migrating.md, docs/rules.md)
// ---------------------------------------------------------------------------------------------

/** A session replay URL as FullStory's browser API gives it (its id's colon percent-encoded). */
const SESSION_URL = 'https://app.fullstory.com/ui/o-1AB2C3-na1/session/5412093185638400%3A6543210987654321'
const SESSION_ID = '5412093185638400:6543210987654321'
const TIMESTAMP = '2024-05-01T12:00:00.000Z'

const identify: SegmentEvent = {
  type: 'identify',
  messageId: 'msg-identify-42',
  userId: 'user-42',
  anonymousId: 'anon-42',
  timestamp: TIMESTAMP,
  traits: {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    plan: 'pro',
    'Plan Type': 'annual',
    seats: 12,
    signedUpAt: '2024-03-01T10:00:00Z'
  },
  context: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (Macintosh)' }
}

/** The user FullStory gets for `identify`: traits cleaned, the anonymous ID first, the date declared. */
const user42 = {
  uid: 'user-42',
  display_name: 'Ada Lovelace',
  email: 'ada@example.com',
  properties: {
    segmentAnonymousId: 'anon-42',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    plan: 'pro',
    PlanType: 'annual',
    seats: 12,
    signedUpAt: '2024-03-01T10:00:00Z'
  },
  schema: { properties: { signedUpAt: 'date' } }
}

const anonymousIdentify: SegmentEvent = {
  type: 'identify',
  messageId: 'msg-identify-anon',
  anonymousId: 'anon-43',
  traits: { plan: 'free' }
}

const order = {
  order_id: 'o-1',
  total: 42.5,
  currency: 'EUR',
  products: [
    { sku: 'a', price: 10 },
    { sku: 'b', price: 32.5 }
  ]
}
/** `order` as FullStory takes it: the list of objects becomes an object of lists. */
const orderSent = { order_id: 'o-1', total: 42.5, currency: 'EUR', products: { sku: ['a', 'b'], price: [10, 32.5] } }

const trackEvent = (messageId: string, extra: Partial<SegmentEvent> = {}, properties: JSONObject = {}) =>
  ({
    type: 'track',
    messageId,
    userId: 'user-42',
    anonymousId: 'anon-42',
    event: 'Order Completed',
    timestamp: TIMESTAMP,
    properties: { ...order, ...properties },
    context: {
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (Macintosh)',
      page: { url: 'https://shop.example/checkout', referrer: 'https://search.example/' },
      location: { city: 'Berlin', country: 'DE' }
    },
    ...extra
  } as SegmentEvent)

const track = trackEvent('msg-track-42')
/** The same order, with the page's FullStory session URL kept in the properties. */
const trackInSession = trackEvent('msg-track-43', {}, { fullstoryUrl: SESSION_URL })
const anonymousTrack = trackEvent('msg-track-anon', { userId: undefined })
const anonymousTrackInSession = trackEvent('msg-track-anon-s', { userId: undefined }, { fullstoryUrl: SESSION_URL })

type Identity = { user?: { uid: string }; session?: { id?: string; use_most_recent?: boolean } }
const BY_USER: Identity = { user: { uid: 'user-42' } }
const BY_RECENT_SESSION: Identity = { user: { uid: 'user-42' }, session: { use_most_recent: true } }
const BY_SESSION: Identity = { session: { id: SESSION_ID } }

/** The event FullStory gets: a saved mapping has no Context, so none is sent. */
const orderCompleted = (identity: Identity, properties: JSONObject = orderSent) => ({
  name: 'Order Completed',
  timestamp: TIMESTAMP,
  ...identity,
  properties
})
const withSessionUrl = { ...orderSent, fullstoryUrl: SESSION_URL }

/** What a case must end in. */
type Outcome =
  | { stored: 'user'; body: JSONObject }
  | { stored: 'event'; body: JSONObject }
  | { refused: RegExp; by: 'schema' | 'payload' }
  | 'not subscribed'

/** Segment's validation of the track actions' User ID, required when Session URL is empty. */
const NO_USER_NO_SESSION = /^The root value is missing the required field 'userId'\./

/** The cases every saved subscription meets, by the action it runs. */
function casesFor(saved: SavedSubscription): [string, SegmentEvent, Outcome][] {
  const isIdentify = saved.partnerAction === 'identifyUser' || saved.partnerAction === 'identifyUserV2'
  if (isIdentify) {
    const v2 = saved.partnerAction === 'identifyUserV2'
    // Identify User names traits as the published one did for FullStory's v1 API: 'Plan Type' -> planType.
    const { PlanType, ...traits } = user42.properties
    const legacyUser = { ...user42, properties: { ...traits, planType: PlanType } }
    return [
      ['a realistic identify', identify, { stored: 'user', body: v2 ? user42 : legacyUser }],
      [
        'an identify without userId',
        anonymousIdentify,
        v2
          ? { refused: /^User ID is missing or blank/, by: 'payload' }
          : { refused: /^The root value is missing the required field 'userId'\./, by: 'schema' }
      ],
      ['a realistic track', track, 'not subscribed']
    ]
  }
  const sessionMapped = 'sessionUrl' in saved.mapping
  // Track Event V2, as published, sends an event with neither a User ID nor a session to a new
  // anonymous user; the legacy Track Event required its User ID.
  const anonymous = (properties: JSONObject): Outcome =>
    saved.partnerAction === 'trackEventV2'
      ? { stored: 'event', body: orderCompleted({}, properties) }
      : { refused: NO_USER_NO_SESSION, by: 'schema' }
  return [
    ['a realistic identify', identify, 'not subscribed'],
    [
      'a realistic track',
      track,
      { stored: 'event', body: orderCompleted(sessionMapped ? BY_RECENT_SESSION : BY_USER) }
    ],
    [
      'a track carrying a FullStory session URL in properties.fullstoryUrl',
      trackInSession,
      { stored: 'event', body: orderCompleted(sessionMapped ? BY_SESSION : BY_USER, withSessionUrl) }
    ],
    ['a track without userId', anonymousTrack, anonymous(orderSent)],
    [
      'a track without userId, carrying a FullStory session URL',
      anonymousTrackInSession,
      sessionMapped ? { stored: 'event', body: orderCompleted(BY_SESSION, withSessionUrl) } : anonymous(withSessionUrl)
    ]
  ]
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** The headers of every request, and the Idempotency-Key expected (none for a saved mapping). */
function expectHeaders(request: WireRequest, idempotencyKey: string | undefined) {
  expect(request.headers.authorization).toBe(`Basic ${API_KEY}`)
  expect(request.headers['integration-source']).toBe('segment')
  expect(request.headers['content-type']).toBe('application/json')
  expect(request.headers['idempotency-key']).toBe(idempotencyKey)
}

const storedUser = (body: JSONObject): StoredUser => ({
  id: expect.any(String),
  uid: body.uid as string,
  display_name: body.display_name as string,
  email: body.email as string,
  properties: body.properties as JSONObject,
  schema: (body.schema as { properties?: Record<string, string> } | undefined)?.properties ?? {},
  upserts: 1,
  created: expect.any(String),
  updated: expect.any(String)
})

const storedEvent = (body: JSONObject, source: StoredEvent['source'] = 'api'): StoredEvent => {
  const { user, ...rest } = body as { user?: { uid: string } }
  return {
    seq: expect.any(Number),
    ...(rest as Omit<StoredEvent, 'seq' | 'received' | 'source' | 'user'>),
    // an event with neither a user nor a session goes to a new anonymous user (FullStory's create-event page)
    ...(user
      ? { user: { id: expect.any(String), uid: user.uid } }
      : body.session
      ? {}
      : { user: { id: expect.any(String) } }),
    received: expect.any(String),
    source
  }
}

async function onEvent(event: SegmentEvent, settings: JSONObject) {
  const destination = e2e.destination()
  try {
    const results = (await destination.onEvent(event, settings)) as unknown as JSONObject[]
    secrets.check(results, `onEvent ${event.messageId}`)
    return { results }
  } catch (error) {
    secrets.check(error, `onEvent ${event.messageId}`)
    return { error: error as Error & { status?: number } }
  }
}

async function onBatch(events: SegmentEvent[], settings: JSONObject) {
  const results = (await e2e.destination().onBatch(events, settings)) as unknown as {
    multistatus?: JSONObject[]
    output?: string
  }[]
  secrets.check(results, 'onBatch')
  return results
}

const withMapping = (saved: SavedSubscription, extra: JSONObject): SavedSubscription => ({
  ...saved,
  mapping: { ...saved.mapping, ...extra }
})

const fixture = (name: string): SavedSubscription => {
  const found = publishedSubscriptions.find((s) => s.name === name)
  if (!found) throw new Error(`no fixture named ${name}`)
  return found
}
const V2_IDENTIFY = fixture('Identify User V2 (the published Identify User preset)')
const V2_TRACK = fixture('Track Event V2 (the published Track Event preset)')
const V2_TRACK_SESSION = fixture('Track Event V2 with Use Recent Session and Session URL mapped')
const LEGACY_TRACK = fixture('Track Event (legacy)')
const BY_MESSAGE_ID = { idempotencyKey: { '@path': '$.messageId' } }

const settingsOf = (...subscriptions: SavedSubscription[]): JSONObject =>
  ({
    apiKey: API_KEY,
    subscriptions: subscriptions.map(({ subscribe, partnerAction, mapping }) => ({ subscribe, partnerAction, mapping }))
  } as unknown as JSONObject)

// ---------------------------------------------------------------------------------------------
// Every fixture, one event at a time
// ---------------------------------------------------------------------------------------------

describe('every subscription saved against the published destination, through onEvent', () => {
  it('covers every action key the published destination has', () => {
    expect([...new Set(publishedSubscriptions.map((s) => s.partnerAction))].sort()).toEqual(
      [...PUBLISHED_ACTION_KEYS].sort()
    )
  })

  describe.each(publishedSubscriptions.map((saved) => [saved.name, saved] as const))('%s', (_name, saved) => {
    it.each(casesFor(saved))('%s', async (_case, event, outcome) => {
      const { results, error } = await onEvent(event, savedSettings(API_KEY, saved))
      const sent = wire.requests()

      if (outcome === 'not subscribed') {
        expect(error).toBeUndefined()
        expect(results).toEqual([{ output: 'not subscribed' }])
        expect(sent).toEqual([])
        return
      }
      if ('refused' in outcome) {
        if (outcome.by === 'payload') expect(error).toBeInstanceOf(PayloadValidationError)
        else expect(error).toMatchObject({ name: 'AggregateAjvError', status: 400 })
        expect(error?.message).toMatch(outcome.refused)
        expect(sent).toEqual([])
        expect(sim.requests()).toEqual([])
        return
      }

      // sent once, with exactly the body expected, and without an Idempotency-Key: a saved mapping
      // has no Idempotency Key field (docs/migrating.md)
      expect(error).toBeUndefined()
      expect(results?.[results.length - 1]).toMatchObject({ output: 'Action Executed' })
      const path = outcome.stored === 'user' ? '/v2/users' : '/v2/events'
      expect(sent).toEqual([expect.objectContaining({ method: 'POST', path, status: 200 })])
      expect(JSON.parse(sent[0].body)).toEqual(outcome.body)
      expectHeaders(sent[0], undefined)
      if (outcome.stored === 'user') {
        expect(sim.users()).toEqual([storedUser(outcome.body)])
        expect(sim.events()).toEqual([])
      } else {
        expect(sim.events()).toEqual([storedEvent(outcome.body)])
        // an event sent to a session alone creates no user; one sent by User ID finds or creates it; one
        // sent with neither creates an anonymous one
        const users = outcome.body.user ? ['user-42'] : outcome.body.session ? [] : [undefined]
        expect(sim.users().map((u) => u.uid)).toEqual(users)
      }
    })
  })

  it('with Idempotency Key mapped ($.messageId, the default of new mappings), each request carries the key of its delivery', async () => {
    for (const [saved, event, path] of [
      [withMapping(V2_IDENTIFY, BY_MESSAGE_ID), identify, '/v2/users'],
      [withMapping(V2_TRACK_SESSION, BY_MESSAGE_ID), trackInSession, '/v2/events']
    ] as const) {
      wire.reset()
      expect((await onEvent(event, savedSettings(API_KEY, saved))).error).toBeUndefined()
      const [request] = wire.requests()
      expect(request).toMatchObject({ path, status: 200 })
      expectHeaders(request, expectedDeliveryKey(event.messageId as string, path, request.body))
    }
    expect(sim.users()).toEqual([storedUser(user42)])
    expect(sim.events()).toEqual([storedEvent(orderCompleted(BY_SESSION, withSessionUrl))])
  })
})

// ---------------------------------------------------------------------------------------------
// Batches through the V2 keys
// ---------------------------------------------------------------------------------------------

describe('onBatch through the V2 keys with Send in Batches on', () => {
  it('identifies and tracks become one users job and one events job; refused rows are answered 400 naming the field to map', async () => {
    const batching = { enable_batching: true }
    const settings = settingsOf(withMapping(V2_IDENTIFY, batching), withMapping(V2_TRACK_SESSION, batching))
    const identify7 = { ...identify, messageId: 'msg-identify-7', userId: 'user-7', traits: { plan: 'team' } }
    const events = [identify, track, anonymousIdentify, trackInSession, identify7, anonymousTrack]
    const [users, tracks] = await onBatch(events, settings)

    const notSubscribed = { status: 400, errormessage: 'Payload is either invalid or does not match the subscription' }
    const usersJob = (users.multistatus?.[0] as { body?: { job?: { id?: string } } })?.body?.job?.id
    const eventsJob = (tracks.multistatus?.[1] as { body?: { job?: { id?: string } } })?.body?.job?.id
    // The jobs are followed until FullStory reports them COMPLETED.
    const done = (id: string | undefined) => ({ job: { id, status: 'COMPLETED' } })
    expect(users.multistatus).toEqual([
      { status: 200, sent: JSON.stringify(user42), body: done(usersJob) },
      expect.objectContaining(notSubscribed),
      expect.objectContaining({ status: 400, errormessage: expect.stringMatching(/^User ID is missing or blank/) }),
      expect.objectContaining(notSubscribed),
      {
        status: 200,
        sent: JSON.stringify({ uid: 'user-7', properties: { segmentAnonymousId: 'anon-42', plan: 'team' } }),
        body: done(usersJob)
      },
      expect.objectContaining(notSubscribed)
    ])
    // Track Event V2 sends a track without a User ID or session anonymously, as published.
    const anonymousRow = orderCompleted({})
    expect(tracks.multistatus).toEqual([
      expect.objectContaining(notSubscribed),
      { status: 200, sent: JSON.stringify(orderCompleted(BY_RECENT_SESSION)), body: done(eventsJob) },
      expect.objectContaining(notSubscribed),
      { status: 200, sent: JSON.stringify(orderCompleted(BY_SESSION, withSessionUrl)), body: done(eventsJob) },
      expect.objectContaining(notSubscribed),
      {
        status: 200,
        sent: JSON.stringify(anonymousRow),
        body: {
          ...done(eventsJob),
          note: 'The event has no User ID, so FullStory records it under a new anonymous user.'
        }
      }
    ])

    // one job request each (and its status), exactly these rows, in one order whatever order they came
    // in, and no job key: the saved rows have no message key
    const sent = wire.requests()
    expect(sent.map((r) => [r.method, r.path.replace(/batch\/.+/, 'batch/<id>'), r.status]).sort()).toEqual([
      ['GET', '/v2/events/batch/<id>', 200],
      ['GET', '/v2/users/batch/<id>', 200],
      ['POST', '/v2/events/batch', 200],
      ['POST', '/v2/users/batch', 200]
    ])
    const byPath = (path: string) => sent.find((r) => r.path === path) as WireRequest
    expect(JSON.parse(byPath('/v2/users/batch').body)).toEqual({
      requests: [user42, { uid: 'user-7', properties: { segmentAnonymousId: 'anon-42', plan: 'team' } }]
    })
    const eventRows = [anonymousRow, orderCompleted(BY_SESSION, withSessionUrl), orderCompleted(BY_RECENT_SESSION)]
    expect(JSON.parse(byPath('/v2/events/batch').body)).toEqual({ requests: eventRows })
    for (const request of sent) expectHeaders(request, undefined)

    expect(sim.jobs().map((j) => [j.kind, j.imports, j.errors])).toEqual(
      expect.arrayContaining([
        ['users', 2, []],
        ['events', 3, []]
      ])
    )
    expect(sim.users().filter((u) => u.upserts > 0)).toEqual([
      storedUser(user42),
      { ...storedUser({ uid: 'user-7', properties: { segmentAnonymousId: 'anon-42', plan: 'team' } }) }
    ])
    expect(sim.events()).toEqual(eventRows.map((row) => storedEvent(row, { job: eventsJob as string })))
  })
})

// ---------------------------------------------------------------------------------------------
// One message, two subscriptions
// ---------------------------------------------------------------------------------------------

describe('one message feeding two subscriptions', () => {
  it('two Track Custom Event mappings with different names: two deliveries under two keys, two events stored', async () => {
    const [preset] = presetSubscriptions({}, ['Track Custom Event'])
    const renamed = { ...preset, mapping: { ...preset.mapping, name: { '@template': 'Server {{event}}' } } }
    const settings = { apiKey: API_KEY, subscriptions: [preset, renamed] } as unknown as JSONObject
    const { results, error } = await onEvent(track, settings)
    expect(error).toBeUndefined()
    expect(results?.filter((r) => r.output === 'Action Executed')).toHaveLength(2)

    const sent = wire.requests()
    expect(sent.map((r) => [r.path, r.status])).toEqual([
      ['/v2/events', 200],
      ['/v2/events', 200]
    ])
    const bodies = sent.map((r) => JSON.parse(r.body) as { name: string })
    expect(bodies.map((b) => b.name).sort()).toEqual(['Order Completed', 'Server Order Completed'])
    for (const request of sent) expectHeaders(request, expectedDeliveryKey('msg-track-42', '/v2/events', request.body))
    expect(sent[0].headers['idempotency-key']).not.toBe(sent[1].headers['idempotency-key'])

    // the preset sends the event's context too: its page and user agent; not its IP address and location
    const context = {
      browser: {
        url: 'https://shop.example/checkout',
        user_agent: 'Mozilla/5.0 (Macintosh)',
        initial_referrer: 'https://search.example/'
      }
    }
    const stored = sim.events().sort((a, b) => a.name.localeCompare(b.name))
    expect(stored).toEqual(
      ['Order Completed', 'Server Order Completed'].map((name) =>
        storedEvent({ ...orderCompleted(BY_RECENT_SESSION), name, context })
      )
    )
    expect(sim.requests().map((r) => r.replayed ?? false)).toEqual([false, false])
  })

  it('a legacy trackEvent subscription beside a trackEventV2 one with the same mapping, as saved (no Idempotency Key): two deliveries without a key, the event stored twice', async () => {
    const { results, error } = await onEvent(track, settingsOf(LEGACY_TRACK, V2_TRACK))
    expect(error).toBeUndefined()
    expect(results?.filter((r) => r.output === 'Action Executed')).toHaveLength(2)
    const sent = wire.requests()
    expect(sent.map((r) => [r.path, r.status, r.headers['idempotency-key']])).toEqual([
      ['/v2/events', 200, undefined],
      ['/v2/events', 200, undefined]
    ])
    // the very same request twice: without the message's key FullStory cannot tell it from two events
    expect(sent[0].body).toBe(sent[1].body)
    expect(sim.events()).toEqual([storedEvent(orderCompleted(BY_USER)), storedEvent(orderCompleted(BY_USER))])
  })

  it('the same two with Idempotency Key mapped: identical bodies are one delivery under one key, stored once; the second is a replay', async () => {
    const { results, error } = await onEvent(
      track,
      settingsOf(withMapping(LEGACY_TRACK, BY_MESSAGE_ID), withMapping(V2_TRACK, BY_MESSAGE_ID))
    )
    expect(error).toBeUndefined()
    expect(results?.filter((r) => r.output === 'Action Executed')).toHaveLength(2)
    const sent = wire.requests()
    expect(sent.map((r) => [r.path, r.status])).toEqual([
      ['/v2/events', 200],
      ['/v2/events', 200]
    ])
    expect(sent[0].body).toBe(sent[1].body)
    const key = expectedDeliveryKey('msg-track-42', '/v2/events', sent[0].body)
    for (const request of sent) expectHeaders(request, key)
    expect(sim.requests().map((r) => [r.status, r.idempotencyKey, r.replayed ?? false])).toEqual([
      [200, key, false],
      [200, key, true]
    ])
    expect(sim.events()).toEqual([storedEvent(orderCompleted(BY_USER))])
  })
})

// ---------------------------------------------------------------------------------------------
// The same message twice in one batch
// ---------------------------------------------------------------------------------------------

describe('a batch holding the same message twice', () => {
  const copy = (event: SegmentEvent) => JSON.parse(JSON.stringify(event)) as SegmentEvent
  const identify7 = { ...identify, messageId: 'msg-identify-7', userId: 'user-7', traits: { plan: 'team' } }

  it.each([
    ['the presets (Idempotency Key mapped)', 'Identify User', 'Track Custom Event'],
    ['V2 subscriptions with Idempotency Key mapped', 'identifyUserV2', 'trackEventV2']
  ])('%s: sent and stored once, every index answered 200 alike', async (_name, identifyKey, trackKey) => {
    const batching = { enable_batching: true, ...BY_MESSAGE_ID }
    const subscriptions =
      identifyKey === 'Identify User'
        ? presetSubscriptions(batching, ['Identify User', 'Track Custom Event'])
        : [withMapping(V2_IDENTIFY, batching), withMapping(V2_TRACK_SESSION, batching)]
    expect(subscriptions.map((s) => s.partnerAction)).toEqual(
      identifyKey === 'Identify User' ? ['identifyUser', 'trackEvent'] : [identifyKey, trackKey]
    )
    const settings = settingsOf(...(subscriptions as SavedSubscription[]))
    const events = [identify, track, copy(identify), identify7, copy(track), trackInSession]
    const [users, tracks] = await onBatch(events, settings)

    const u = users.multistatus as { status: number; sent?: JSONObject; body?: JSONObject }[]
    const t = tracks.multistatus as { status: number; sent?: JSONObject; body?: JSONObject }[]
    expect([0, 2, 3].map((i) => u[i].status)).toEqual([200, 200, 200])
    expect(u[2]).toEqual(u[0])
    expect([1, 4, 5].map((i) => t[i].status)).toEqual([200, 200, 200])
    expect(t[4]).toEqual(t[1])

    // the job requests (each job is then followed: its status asked for)
    const sent = wire.requests().filter((request) => request.method === 'POST')
    expect(sent).toHaveLength(2)
    for (const request of sent) {
      const kind = request.path === '/v2/users/batch' ? 'users' : 'events'
      const rows = (JSON.parse(request.body) as { requests: JSONObject[] }).requests
      const texts = rows.map((row) => JSON.stringify(row))
      expect(request.body).toBe(`{"requests":[${texts.join(',')}]}`)
      // two rows each: the repeated message once
      const messageIds = kind === 'users' ? ['msg-identify-42', 'msg-identify-7'] : ['msg-track-42', 'msg-track-43']
      expect(rows).toHaveLength(2)
      const rowKeys = texts.map((text, j) => expectedDeliveryKey(messageIds[j], request.path, text))
      expectHeaders(request, expectedJobKey(kind, rowKeys))
    }
    expect(
      sim
        .jobs()
        .map((j) => [j.kind, j.imports])
        .sort()
    ).toEqual([
      ['events', 2],
      ['users', 2]
    ])
    expect(sim.users().find((user) => user.uid === 'user-42')?.upserts).toBe(1)
    expect(sim.events().map((e) => e.name)).toEqual(['Order Completed', 'Order Completed'])
  })

  it('as saved (no Idempotency Key): nothing tells a repeated message from two equal events, so both rows are sent and stored', async () => {
    const settings = settingsOf(withMapping(V2_TRACK, { enable_batching: true }))
    const [tracks] = await onBatch([track, copy(track)], settings)
    expect((tracks.multistatus as { status: number }[]).map((e) => e.status)).toEqual([200, 200])
    const [request] = wire.requests()
    expect((JSON.parse(request.body) as { requests: unknown[] }).requests).toEqual([
      orderCompleted(BY_USER),
      orderCompleted(BY_USER)
    ])
    expectHeaders(request, undefined)
    expect(sim.events()).toHaveLength(2)
  })
})

// ---------------------------------------------------------------------------------------------
// A delivery retried after its answer was lost
// ---------------------------------------------------------------------------------------------

describe('Segment retrying a delivery whose answer was lost (drop-after: FullStory stored it)', () => {
  it.each([
    ['identifyUserV2', identify, '/v2/users'],
    ['trackEventV2 (Session URL mapped)', trackInSession, '/v2/events']
  ] as const)(
    '%s with Idempotency Key mapped: a retryable error, then the retry is a replay and it is stored once',
    async (name, event, path) => {
      const saved = withMapping(name === 'identifyUserV2' ? V2_IDENTIFY : V2_TRACK_SESSION, BY_MESSAGE_ID)
      sim.faults.queue('drop-after')
      const first = await onEvent(event, savedSettings(API_KEY, saved))
      expect(first.error).toMatchObject({ status: 503, message: expect.stringMatching(/Could not reach FullStory/) })
      const second = await onEvent(event, savedSettings(API_KEY, saved))
      expect(second.error).toBeUndefined()

      const sent = wire.requests()
      expect(sent.map((r) => [r.path, r.status])).toEqual([
        [path, 'dropped'],
        [path, 200]
      ])
      expect(sent[1].body).toBe(sent[0].body)
      const key = expectedDeliveryKey(event.messageId as string, path, sent[0].body)
      for (const request of sent) expectHeaders(request, key)
      expect(sim.requests().map((r) => [r.status, r.idempotencyKey, r.replayed ?? false])).toEqual([
        ['dropped', key, false],
        [200, key, true]
      ])
      if (path === '/v2/users') expect(sim.users()).toEqual([storedUser(user42)])
      else expect(sim.events()).toEqual([storedEvent(orderCompleted(BY_SESSION, withSessionUrl))])
    }
  )

  it('a V2 batch with Idempotency Key mapped: the retried job is a replay, its rows stored once', async () => {
    const settings = settingsOf(withMapping(V2_TRACK_SESSION, { enable_batching: true, ...BY_MESSAGE_ID }))
    sim.faults.queue('drop-after')
    const [lost] = await onBatch([track, trackInSession], settings)
    expect((lost.multistatus as { status: number }[]).map((e) => e.status)).toEqual([503, 503])
    const [retried] = await onBatch([track, trackInSession], settings)
    expect((retried.multistatus as { status: number }[]).map((e) => e.status)).toEqual([200, 200])

    const sent = wire.requests().filter((request) => request.method === 'POST')
    expect(sent.map((r) => r.status)).toEqual(['dropped', 200])
    expect(sent[1].body).toBe(sent[0].body)
    const rows = (JSON.parse(sent[0].body) as { requests: JSONObject[] }).requests
    const key = expectedJobKey('events', [
      expectedDeliveryKey('msg-track-42', '/v2/events/batch', JSON.stringify(rows[0])),
      expectedDeliveryKey('msg-track-43', '/v2/events/batch', JSON.stringify(rows[1]))
    ])
    for (const request of sent) expectHeaders(request, key)
    expect(
      sim
        .requests()
        .filter((r) => r.method === 'POST')
        .map((r) => r.replayed ?? false)
    ).toEqual([false, true])
    expect(sim.jobs()).toHaveLength(1)
    expect(sim.events()).toHaveLength(2)
  })

  it('trackEventV2 as saved (no Idempotency Key): the retry is a new request and the event is stored twice (docs/migrating.md: map Idempotency Key)', async () => {
    sim.faults.queue('drop-after')
    expect((await onEvent(track, savedSettings(API_KEY, V2_TRACK))).error).toMatchObject({ status: 503 })
    expect((await onEvent(track, savedSettings(API_KEY, V2_TRACK))).error).toBeUndefined()
    expect(wire.requests().map((r) => [r.status, r.headers['idempotency-key']])).toEqual([
      ['dropped', undefined],
      [200, undefined]
    ])
    expect(sim.events()).toEqual([storedEvent(orderCompleted(BY_USER)), storedEvent(orderCompleted(BY_USER))])
  })
})
