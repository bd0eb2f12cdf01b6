import nock from 'nock'
import { createTestEvent, createTestIntegration, IntegrationError, PayloadValidationError } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import definition from '../../index'
import { expectedDeliveryKey } from '../../__tests__/__helpers__/expected-keys'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.track-event-test-key'
const settings = { apiKey }
const SESSION_URL = 'https://app.fullstory.com/ui/o-ORG-na1/session/123456789%3A987654321'

function event(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  return createTestEvent({
    type: 'track',
    event: 'Order Completed',
    userId: 'user-1',
    anonymousId: 'anon-1',
    messageId: 'msg-1',
    timestamp: '2024-05-01T12:00:00.000+02:00',
    properties: { plan: 'pro' },
    context: { page: { url: 'https://example.com/checkout' }, userAgent: 'UA/1.0' },
    ...overrides
  })
}

/** The body every test event shares, without its identification. */
const common = {
  name: 'Order Completed',
  timestamp: '2024-05-01T10:00:00.000Z',
  context: { browser: { url: 'https://example.com/checkout', user_agent: 'UA/1.0' } },
  properties: { plan: 'pro' }
}

/** The members of an event request in the order FullStory receives them. */
const SENT_ORDER = ['name', 'timestamp', 'user', 'session', 'context', 'properties', 'schema']

function inSentOrder(body: Record<string, unknown>): Record<string, unknown> {
  expect(Object.keys(body).every((key) => SENT_ORDER.includes(key))).toBe(true)
  return Object.fromEntries(SENT_ORDER.filter((key) => key in body).map((key) => [key, body[key]]))
}

/**
 * POST /v2/events expecting exactly `body` and the destination's headers, with the Idempotency-Key of
 * this delivery of the message key `msg-1`.
 */
function expectEvent(body: Record<string, unknown>, messageKey = 'msg-1'): nock.Interceptor {
  const idempotencyKey = expectedDeliveryKey(messageKey, '/v2/events', inSentOrder(body))
  return nock(API)
    .post('/v2/events', body as nock.RequestBodyMatcher)
    .matchHeader('authorization', `Basic ${apiKey}`)
    .matchHeader('integration-source', 'segment')
    .matchHeader('content-type', 'application/json')
    .matchHeader('idempotency-key', idempotencyKey)
}

describe('Track Custom Event', () => {
  let testDestination = createTestIntegration(definition)
  beforeEach(() => {
    testDestination = createTestIntegration(definition)
  })

  describe('identification: exactly one form per request', () => {
    it('form 1: a session URL gives session.id and no user', async () => {
      const scope = expectEvent({ ...common, session: { id: '123456789:987654321' } }).reply(200, {})
      const responses = await testDestination.testAction('trackEvent', {
        event: event(),
        settings,
        useDefaultMappings: true,
        mapping: { sessionUrl: SESSION_URL }
      })
      expect(scope.isDone()).toBe(true)
      expect(responses).toHaveLength(1)
      expect(JSON.parse(await responses[0].request.text())).not.toHaveProperty('user')
    })

    it('form 2: a User ID gives user.uid with session.use_most_recent when Use Recent Session is on', async () => {
      const scope = expectEvent({ ...common, user: { uid: 'user-1' }, session: { use_most_recent: true } }).reply(
        200,
        {}
      )
      await testDestination.testAction('trackEvent', { event: event(), settings, useDefaultMappings: true })
      expect(scope.isDone()).toBe(true)
    })

    it('form 2: a User ID alone, without any session, when Use Recent Session is off', async () => {
      const scope = expectEvent({ ...common, user: { uid: 'user-1' } }).reply(200, {})
      const responses = await testDestination.testAction('trackEvent', {
        event: event(),
        settings,
        useDefaultMappings: true,
        mapping: { useRecentSession: false }
      })
      expect(scope.isDone()).toBe(true)
      expect(JSON.parse(await responses[0].request.text())).not.toHaveProperty('session')
    })

    it('a Session URL that holds no session falls back to the User ID', async () => {
      const scope = expectEvent({ ...common, user: { uid: 'user-1' }, session: { use_most_recent: true } }).reply(
        200,
        {}
      )
      await testDestination.testAction('trackEvent', {
        event: event(),
        settings,
        useDefaultMappings: true,
        mapping: { sessionUrl: 'https://example.com/not/a/session' }
      })
      expect(scope.isDone()).toBe(true)
    })

    it('neither a Session URL nor a User ID: User ID is required (conditionally), and no request', async () => {
      const unmatched: unknown[] = []
      const onNoMatch = (request: unknown) => unmatched.push(request)
      nock.emitter.on('no match', onNoMatch)
      try {
        const error = await testDestination
          .testAction('trackEvent', { event: event({ userId: null }), settings, useDefaultMappings: true })
          .catch((e: Error) => e)
        expect((error as Error).message).toBe(
          'The root value is missing the required field \'userId\'. The root value must match "then" schema.'
        )
      } finally {
        nock.emitter.removeListener('no match', onNoMatch)
      }
      expect(unmatched).toEqual([])
      expect(testDestination.responses).toEqual([])
      expect(nock.pendingMocks()).toEqual([])
      expect(nock.isDone()).toBe(true)
    })

    it('says so when the Session URL was there but unusable and there is no User ID', async () => {
      const error = await testDestination
        .testAction('trackEvent', {
          event: event({ userId: null }),
          settings,
          useDefaultMappings: true,
          mapping: { sessionUrl: 'https://app.fullstory.com/ui/ORG/session/1' }
        })
        .catch((e: Error) => e)
      expect(error).toBeInstanceOf(PayloadValidationError)
      expect((error as Error).message).toContain('its Session URL holds no FullStory session id')
      expect(testDestination.responses).toEqual([])
    })

    it('sends by User ID when the Session URL holds no session, and its answer says why', async () => {
      const scope = expectEvent({ ...common, user: { uid: 'user-1' }, session: { use_most_recent: true } }).reply(
        200,
        {}
      )
      await testDestination.testAction('trackEvent', {
        event: event(),
        settings,
        useDefaultMappings: true,
        mapping: { sessionUrl: 'https://app.fullstory.com/ui/ORG/session/1' }
      })
      expect(scope.isDone()).toBe(true)
      expect(testDestination.results[testDestination.results.length - 1].data).toEqual({
        fullstory: {},
        note: 'Session URL holds no FullStory session id ("deviceId:sessionId" as its last path segment), so the event was sent by User ID.'
      })
    })

    it('refuses a User ID longer than 256 characters before sending', async () => {
      const error = await testDestination
        .testAction('trackEvent', { event: event({ userId: 'u'.repeat(257) }), settings, useDefaultMappings: true })
        .catch((e: Error) => e)
      expect(error).toBeInstanceOf(PayloadValidationError)
      expect((error as Error).message).toContain('User ID has 257 characters; FullStory accepts at most 256')
      expect(testDestination.responses).toEqual([])
    })
  })

  describe('a full session (400 session_page_limit_exceeded)', () => {
    const full = { code: 'session_page_limit_exceeded', message: 'session page limit exceeded' }

    it('sends the event once more in the user form: another body, so another delivery key', async () => {
      const first = expectEvent({ ...common, session: { id: '123456789:987654321' } }).reply(400, full)
      const second = expectEvent({ ...common, user: { uid: 'user-1' }, session: { use_most_recent: true } }).reply(
        200,
        {}
      )
      const responses = await testDestination.testAction('trackEvent', {
        event: event(),
        settings,
        useDefaultMappings: true,
        mapping: { sessionUrl: SESSION_URL }
      })
      expect(first.isDone()).toBe(true)
      expect(second.isDone()).toBe(true)
      expect(responses.map((r) => r.status)).toEqual([400, 200])
      expect(responses[1].request.headers.get('idempotency-key')).not.toBe(
        responses[0].request.headers.get('idempotency-key')
      )
      const resent = JSON.parse(await responses[1].request.text())
      expect(resent.session).not.toHaveProperty('id')
      expect(resent.user).toEqual({ uid: 'user-1' })
    })

    it('resends without a session when Use Recent Session is off', async () => {
      expectEvent({ ...common, session: { id: '123456789:987654321' } }).reply(400, full)
      const second = expectEvent({ ...common, user: { uid: 'user-1' } }).reply(200, {})
      await testDestination.testAction('trackEvent', {
        event: event(),
        settings,
        useDefaultMappings: true,
        mapping: { sessionUrl: SESSION_URL, useRecentSession: false }
      })
      expect(second.isDone()).toBe(true)
    })

    it('without a User ID there is nothing to resend: the 400 is thrown, not retried', async () => {
      const first = expectEvent({ ...common, session: { id: '123456789:987654321' } }).reply(400, full)
      const error = await testDestination
        .testAction('trackEvent', {
          event: event({ userId: null }),
          settings,
          useDefaultMappings: true,
          mapping: { sessionUrl: SESSION_URL }
        })
        .catch((e: Error) => e)
      expect(first.isDone()).toBe(true)
      expect(error).toBeInstanceOf(IntegrationError)
      expect((error as IntegrationError).code).toBe('session_page_limit_exceeded')
      expect((error as IntegrationError).status).toBe(400)
      expect((error as Error).message).not.toContain(apiKey)
    })

    it('another 400 on a session event is not resent', async () => {
      const first = expectEvent({ ...common, session: { id: '123456789:987654321' } }).reply(400, {
        code: 'invalid_argument',
        message: 'bad'
      })
      const error = await testDestination
        .testAction('trackEvent', {
          event: event(),
          settings,
          useDefaultMappings: true,
          mapping: { sessionUrl: SESSION_URL }
        })
        .catch((e: Error) => e)
      expect(first.isDone()).toBe(true)
      expect((error as IntegrationError).code).toBe('invalid_argument')
      expect(nock.pendingMocks()).toEqual([])
    })
  })

  describe('the rest of the body', () => {
    const context = {
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      page: { url: 'https://example.com/p', referrer: 'https://ref.example/' },
      app: { namespace: 'com.example.app', name: 'Example', version: '4.2.1' },
      device: { manufacturer: 'Google', model: 'Pixel 8' },
      screen: { width: 392.7272, height: 850 },
      location: { city: 'Austin', country: 'United States', region: 'Texas', latitude: 30.27, longitude: -97.74 }
    }
    const mappedContext = {
      browser: { url: 'https://example.com/p', user_agent: 'Mozilla/5.0', initial_referrer: 'https://ref.example/' },
      mobile: { app_id: 'com.example.app', app_name: 'Example', app_version: '4.2.1' },
      device: { manufacturer: 'Google', model: 'Pixel 8', screen_width: 393, screen_height: 850 }
    }

    it('maps a full Segment context, by default without the IP address and the location', async () => {
      const scope = expectEvent({
        ...common,
        user: { uid: 'user-1' },
        session: { use_most_recent: true },
        context: mappedContext
      }).reply(200, {})
      await testDestination.testAction('trackEvent', { event: event({ context }), settings, useDefaultMappings: true })
      expect(scope.isDone()).toBe(true)
    })

    it('sends the IP address and the location when the mapping names them, converting country and region names', async () => {
      const scope = expectEvent({
        ...common,
        user: { uid: 'user-1' },
        session: { use_most_recent: true },
        context: {
          ...mappedContext,
          location: {
            ip_address: '203.0.113.7',
            city: 'Austin',
            country: 'US',
            region: 'US-TX',
            latitude: 30.27,
            longitude: -97.74
          }
        }
      }).reply(200, {})
      await testDestination.testAction('trackEvent', {
        event: event({ context }),
        settings,
        useDefaultMappings: true,
        mapping: { context: { '@path': '$.context' } }
      })
      expect(scope.isDone()).toBe(true)
    })

    it('sends no context key when the event has no usable context', async () => {
      const { context: _unused, ...withoutContext } = common
      const scope = expectEvent({
        ...withoutContext,
        user: { uid: 'user-1' },
        session: { use_most_recent: true }
      }).reply(200, {})
      const responses = await testDestination.testAction('trackEvent', {
        event: event({ context: { location: { country: 'Atlantis' } } }),
        settings,
        useDefaultMappings: true
      })
      expect(scope.isDone()).toBe(true)
      expect(JSON.parse(await responses[0].request.text())).not.toHaveProperty('context')
    })

    it('normalizes properties and declares their types in schema', async () => {
      const scope = expectEvent({
        ...common,
        user: { uid: 'user-1' },
        session: { use_most_recent: true },
        properties: { Grosse: 'XL', quantity: 2, shippedAt: '2024-05-02T08:00:00Z' },
        schema: { properties: { quantity: 'int', shippedAt: 'date' } }
      }).reply(200, {})
      await testDestination.testAction('trackEvent', {
        event: event({ properties: { Größe: 'XL', quantity: 2, shippedAt: '2024-05-02T08:00:00Z', gone: null } }),
        settings,
        useDefaultMappings: true,
        mapping: { propertyTypes: { quantity: 'int' } }
      })
      expect(scope.isDone()).toBe(true)
    })

    it('keeps a v1 type suffix out of the name, as the published Track Event stored it; Track Event V2 keeps it', async () => {
      const properties = { total_real: 9.5, 'order-id_str': 'A1' }
      const trackEvent = expectEvent({
        ...common,
        user: { uid: 'user-1' },
        session: { use_most_recent: true },
        properties: { total: 9.5, orderid: 'A1' },
        schema: { properties: { total: 'real', orderid: 'str' } }
      }).reply(200, {})
      const trackEventV2 = expectEvent({
        ...common,
        user: { uid: 'user-1' },
        session: { use_most_recent: true },
        properties: { total_real: 9.5, orderid_str: 'A1' }
      }).reply(200, {})
      for (const action of ['trackEvent', 'trackEventV2']) {
        await testDestination.testAction(action, { event: event({ properties }), settings, useDefaultMappings: true })
      }
      expect(trackEvent.isDone() && trackEventV2.isDone()).toBe(true)
    })

    it('sends no properties or schema when there are none', async () => {
      const { properties: _unused, ...withoutProperties } = common
      const scope = expectEvent({
        ...withoutProperties,
        user: { uid: 'user-1' },
        session: { use_most_recent: true }
      }).reply(200, {})
      const responses = await testDestination.testAction('trackEvent', {
        event: event({ properties: {} }),
        settings,
        useDefaultMappings: true
      })
      expect(scope.isDone()).toBe(true)
      const sent = JSON.parse(await responses[0].request.text())
      expect(sent).not.toHaveProperty('properties')
      expect(sent).not.toHaveProperty('schema')
    })

    it('trims the event name and cuts it to 250 characters', async () => {
      const long = 'A'.repeat(260)
      const scope = expectEvent({
        ...common,
        name: 'A'.repeat(250),
        user: { uid: 'user-1' },
        session: { use_most_recent: true }
      }).reply(200, {})
      await testDestination.testAction('trackEvent', {
        event: event({ event: `  ${long}  ` }),
        settings,
        useDefaultMappings: true
      })
      expect(scope.isDone()).toBe(true)
    })

    it('refuses an event name of only spaces before sending (FullStory 400s on an empty name)', async () => {
      const error = await testDestination
        .testAction('trackEvent', { event: event({ event: '   ' }), settings, useDefaultMappings: true })
        .catch((e: Error) => e)
      expect(error).toBeInstanceOf(PayloadValidationError)
      expect((error as Error).message).toContain('Event Name is empty')
      expect(testDestination.responses).toEqual([])
    })

    it('requires an event name at all (actions-core validation)', async () => {
      await expect(
        testDestination.testAction('trackEvent', {
          event: event({ event: undefined }),
          settings,
          useDefaultMappings: true
        })
      ).rejects.toThrow(/name/)
    })

    it('sends the Idempotency-Key header only when there is a key', async () => {
      const scope = nock(API, { badheaders: ['idempotency-key'] })
        .post('/v2/events', { ...common, user: { uid: 'user-1' }, session: { use_most_recent: true } })
        .reply(200, {})
      await testDestination.testAction('trackEvent', {
        event: event(),
        settings,
        useDefaultMappings: true,
        mapping: { idempotencyKey: '' }
      })
      expect(scope.isDone()).toBe(true)
    })
  })
})
