import nock from 'nock'
import {
  createTestEvent,
  createTestIntegration,
  Destination,
  IntegrationError,
  PayloadValidationError,
  RetryableError
} from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import definition from '../../index'
import { userRequest as buildUserRequest } from '../../api/users'
import { expectedDeliveryKey } from '../../__tests__/__helpers__/expected-keys'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.test-key-0123456789abcdef'
const settings = { apiKey }
const messageId = 'msg-0001'

function identifyEvent(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  return createTestEvent({
    type: 'identify',
    userId: 'user-1234',
    anonymousId: 'anon-5678',
    messageId,
    timestamp: '2024-05-01T12:00:00.000Z',
    traits: {},
    ...overrides
  })
}

/**
 * Expects one POST /v2/users with exactly these headers and this body (members in the order sent), with
 * the Idempotency-Key of this delivery of `messageKey`; `null`: no Idempotency-Key.
 */
function expectUpsert(body: Record<string, any>, messageKey: string | null = messageId) {
  const idempotencyKey = messageKey === null ? null : expectedDeliveryKey(messageKey, '/v2/users', body)
  const scope = nock(API, idempotencyKey === null ? { badheaders: ['idempotency-key'] } : {})
    .post('/v2/users', body)
    .matchHeader('authorization', `Basic ${apiKey}`)
    .matchHeader('integration-source', 'segment')
    .matchHeader('content-type', 'application/json')
  if (idempotencyKey !== null) scope.matchHeader('idempotency-key', idempotencyKey)
  return scope.reply(200, { id: '1234567890' })
}

describe('Identify User', () => {
  let testDestination = createTestIntegration(definition)
  beforeEach(() => {
    testDestination = createTestIntegration(definition)
  })

  async function identify(event: SegmentEvent, mapping?: Record<string, any>) {
    const responses = await testDestination.testAction('identifyUser', {
      event,
      settings,
      mapping,
      useDefaultMappings: true
    })
    return responses
  }

  it('sends the user with the default mappings: uid, display name, email, traits and the anonymous ID', async () => {
    const body = {
      uid: 'user-1234',
      display_name: 'Ada Lovelace',
      email: 'ada@example.com',
      properties: {
        segmentAnonymousId: 'anon-5678',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        plan: 'enterprise',
        logins: 42,
        verified: true
      }
    }
    const scope = expectUpsert(body)
    const responses = await identify(
      identifyEvent({
        traits: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'enterprise', logins: 42, verified: true }
      })
    )
    expect(scope.isDone()).toBe(true)
    expect(responses).toHaveLength(1)
    expect(responses[0].url).toBe(`${API}/v2/users`)
    expect(responses[0].options.method).toBe('POST')
    expect(await responses[0].request.text()).toBe(JSON.stringify(body))
    expect(responses[0].data).toEqual({ id: '1234567890' })
  })

  it('makes every trait acceptable to FullStory and declares types', async () => {
    const long = 'x'.repeat(10_000)
    // JSON.parse, as Segment's events arrive: `__proto__` is then an own key of the traits.
    const traits = JSON.parse(
      JSON.stringify({
        name: 'Ada',
        'first name': 'Ada',
        firstname: 'Augusta',
        Größe: 170,
        名字: 'Ada',
        '1st_order': '2024-01-15T09:30:00Z',
        address: { 'zip code': '10115', geo: { lat: 52.52, lng: 13.4 } },
        products: [
          { sku: 'A-1', price: 10, tags: ['new'] },
          { sku: 'B-2', price: 12.5, tags: ['sale', 'gift'] }
        ],
        bio: long,
        createdAt: '2024-05-01T12:00:00.000Z',
        logins: ['2024-05-01T12:00:00Z', '2024-05-02T12:00:00Z'],
        score: 7,
        empty: null
      })
    )
    // Identify User names traits as the published destination did: camel case, then the character rules.
    const body = {
      uid: 'user-1234',
      display_name: 'Ada',
      properties: {
        segmentAnonymousId: 'anon-5678',
        name: 'Ada',
        firstName: 'Ada',
        firstname: 'Augusta',
        grosse: 170,
        MingZi: 'Ada',
        p_1stOrder: '2024-01-15T09:30:00Z',
        address: { zipCode: '10115', geo: { lat: 52.52, lng: 13.4 } },
        products: { sku: ['A-1', 'B-2'], price: [10, 12.5], tags: ['new', 'sale', 'gift'] },
        bio: 'x'.repeat(8192),
        createdAt: '2024-05-01T12:00:00.000Z',
        logins: ['2024-05-01T12:00:00Z', '2024-05-02T12:00:00Z'],
        score: 7
      },
      schema: {
        properties: {
          grosse: 'int',
          p_1stOrder: 'date',
          'products.price': 'reals',
          createdAt: 'str',
          logins: 'dates',
          score: 'int'
        }
      }
    }
    const scope = expectUpsert(body)
    const responses = await identify(identifyEvent({ traits }), {
      propertyTypes: { score: 'int', grosse: 'int', createdAt: 'str', 'products.price': 'real' }
    })
    expect(scope.isDone()).toBe(true)
    expect(await responses[0].request.text()).toBe(JSON.stringify(body))
  })

  it('never lets a __proto__ trait reach a prototype (actions-core drops the key before perform)', async () => {
    const traits = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": "c", "prototype": "p", "plan": "pro"}')
    // actions-core's mapping copies the traits with Object.assign, which turns an own `__proto__` key
    // into the copy's prototype: the key never reaches perform. normalizeProperties keeps it as the
    // property p___proto__ when it does get one (properties.test.ts).
    const body = {
      uid: 'user-1234',
      properties: { segmentAnonymousId: 'anon-5678', constructor: 'c', prototype: 'p', plan: 'pro' }
    }
    const scope = expectUpsert(body)
    const responses = await identify(identifyEvent({ traits }))
    expect(scope.isDone()).toBe(true)
    expect(await responses[0].request.text()).toBe(JSON.stringify(body))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('sends the first 500 of 600 traits, the anonymous ID first among them', async () => {
    const traits: Record<string, number> = {}
    for (let i = 0; i < 600; i++) traits[`trait_${i}`] = i
    const properties: Record<string, unknown> = { segmentAnonymousId: 'anon-5678' }
    for (let i = 0; i < 499; i++) properties[`trait${i}`] = i
    const scope = expectUpsert({ uid: 'user-1234', properties })
    const responses = await identify(identifyEvent({ traits }))
    expect(scope.isDone()).toBe(true)
    const sent = JSON.parse(await responses[0].request.text()) as { properties: object }
    expect(Object.keys(sent.properties)).toHaveLength(500)
  })

  it('leaves a display name over 256 and an email over 128 characters out of the top level, keeping them as properties', async () => {
    const name = 'N'.repeat(257)
    const email = `${'e'.repeat(120)}@example.com`
    const body = {
      uid: 'user-1234',
      properties: { segmentAnonymousId: 'anon-5678', name, email, plan: 'pro' }
    }
    const scope = expectUpsert(body)
    await identify(identifyEvent({ traits: { name, email, plan: 'pro' } }))
    expect(scope.isDone()).toBe(true)
  })

  it('adds a too-long display name or email that no trait holds as displayName / email', async () => {
    const name = 'N'.repeat(300)
    const email = `${'e'.repeat(130)}@example.com`
    const body = {
      uid: 'user-1234',
      properties: { segmentAnonymousId: 'anon-5678', email: 'short@example.com', displayName: name, email_2: email }
    }
    const scope = expectUpsert(body)
    await identify(identifyEvent({ traits: { email: 'short@example.com' } }), {
      displayName: name,
      email
    })
    expect(scope.isDone()).toBe(true)
  })

  it('counts characters, not UTF-16 units: 256 emoji are a valid display name', async () => {
    const name = '😀'.repeat(256)
    const scope = expectUpsert({
      uid: 'user-1234',
      display_name: name,
      properties: { segmentAnonymousId: 'anon-5678' }
    })
    await identify(identifyEvent(), { displayName: name })
    expect(scope.isDone()).toBe(true)
  })

  it('sends no Idempotency-Key when the Idempotency Key field is empty, and no properties when there are none', async () => {
    const scope = expectUpsert({ uid: 'user-1234' }, null)
    await identify(identifyEvent({ messageId: undefined, anonymousId: undefined, traits: {} }))
    expect(scope.isDone()).toBe(true)
  })

  it('sends the same bytes for the same event, so a retry with its Idempotency-Key is a true replay', async () => {
    const event = identifyEvent({
      traits: { b: 1, 'a b': [{ x: 1 }, { x: '2024-05-01T12:00:00Z' }], c: { d: 'é'.repeat(5000) } }
    })
    nock(API).post('/v2/users').times(2).reply(200, { id: '1' })
    const first = await identify(event)
    const again = await createTestIntegration(definition).testAction('identifyUser', {
      event: JSON.parse(JSON.stringify(event)),
      settings,
      useDefaultMappings: true
    })
    const sent = await first[0].request.text()
    expect(await again[0].request.text()).toBe(sent)
    const key = expectedDeliveryKey(messageId, '/v2/users', sent)
    expect(first[0].request.headers.get('idempotency-key')).toBe(key)
    expect(again[0].request.headers.get('idempotency-key')).toBe(key)
  })

  it('rejects an identify without a userId before sending anything, naming the field (User ID is required)', async () => {
    const error = await identify(identifyEvent({ userId: undefined })).catch((e: Error) => e)
    expect((error as Error).message).toBe("The root value is missing the required field 'userId'.")
    expect(testDestination.responses).toHaveLength(0)
  })

  it('rejects a blank userId with its own message, naming the field', async () => {
    const error = await identify(identifyEvent({ userId: '   ' })).catch((e: Error) => e)
    expect(error).toBeInstanceOf(PayloadValidationError)
    expect((error as Error).message).toMatch(/^User ID is missing or blank: FullStory would create a new anonymous/)
    expect(testDestination.responses).toHaveLength(0)
  })

  it('gives Segment a 400 (not retried) for an identify without a userId, through the preset', async () => {
    const preset = (definition.presets ?? []).find((p) => p.name === 'Identify User') as {
      subscribe: string
      mapping: Record<string, any>
    }
    const destination = new Destination(definition)
    const subscription = { subscribe: preset.subscribe, partnerAction: 'identifyUser', mapping: preset.mapping }
    const error = await destination
      .onEvent(identifyEvent({ userId: undefined }), { apiKey, subscriptions: [subscription] })
      .catch((e: Error) => e)
    expect((error as Error).message).toBe("The root value is missing the required field 'userId'.")
    expect((error as { status?: number }).status).toBe(400)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('refuses a payload without a User ID in the builder too (for batches and direct calls)', () => {
    expect(() => buildUserRequest({} as never)).toThrow(PayloadValidationError)
    expect(() => buildUserRequest({ userId: '' })).toThrow('User ID is missing or blank')
    expect(() => buildUserRequest({ userId: '   ' })).toThrow('User ID is missing or blank')
  })

  it('rejects a uid over 256 characters with a PayloadValidationError and sends nothing', async () => {
    const error = await identify(identifyEvent({ userId: 'u'.repeat(257) })).catch((e: Error) => e)
    expect(error).toBeInstanceOf(PayloadValidationError)
    expect((error as Error).message).toBe(
      'User ID has 257 characters; FullStory accepts at most 256. Map User ID to a shorter stable identifier; nothing was sent.'
    )
    expect(testDestination.responses).toHaveLength(0)
  })

  it('accepts a uid of exactly 256 characters', async () => {
    const uid = 'u'.repeat(256)
    const scope = expectUpsert({ uid, properties: { segmentAnonymousId: 'anon-5678' } })
    await identify(identifyEvent({ userId: uid }))
    expect(scope.isDone()).toBe(true)
  })

  it('sends the user without an unknown Property Type, and its answer says why', async () => {
    const scope = expectUpsert({ uid: 'user-1234', properties: { segmentAnonymousId: 'anon-5678', plan: 'pro' } })
    await identify(identifyEvent({ traits: { plan: 'pro' } }), { propertyTypes: { plan: 'text' } })
    expect(scope.isDone()).toBe(true)
    expect(testDestination.results[testDestination.results.length - 1].data).toEqual({
      fullstory: { id: '1234567890' },
      note:
        'Property Types left out: "plan" is declared "text", not one of str, strs, int, ints, real, reals, bool, ' +
        'bools, date, dates.'
    })
  })

  it("passes FullStory's refusal on as the mapped error, without the API key", async () => {
    nock(API).post('/v2/users').reply(400, { code: 'invalid_argument', message: 'bad property' })
    const error = await identify(identifyEvent()).catch((e: Error) => e)
    expect(error).toBeInstanceOf(IntegrationError)
    expect((error as IntegrationError).status).toBe(400)
    expect((error as Error).message).toContain('invalid_argument')
    expect((error as Error).message).not.toContain(apiKey)
  })

  it('leaves a 429 retryable', async () => {
    nock(API).post('/v2/users').reply(429, { code: 'too_many_requests', message: 'slow down' }, { 'Retry-After': '3' })
    const error = await identify(identifyEvent()).catch((e: Error) => e)
    expect(error).toBeInstanceOf(RetryableError)
    expect((error as Error).message).toContain('after 3 seconds')
  })
})
