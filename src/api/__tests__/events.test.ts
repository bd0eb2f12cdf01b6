import { PayloadValidationError } from '@segment/actions-core'
import { eventName, eventRequest } from '../events'
import type { EventInput } from '../events'
import { identifyEvent } from '../identity'
import { MAX_EVENT_NAME_LENGTH } from '../limits'

const buildEventRequest = (input: EventInput) => eventRequest(input).request

const payload: EventInput = {
  name: ' Order Completed ',
  userId: 'user-1',
  timestamp: '2024-05-01T12:00:00+02:00',
  useRecentSession: true,
  properties: { total: 42.5, placedAt: '2024-05-01T10:00:00Z' },
  propertyTypes: { total: 'real' },
  context: { location: { country: 'Germany', region: 'Berlin' }, page: { url: 'https://example.com' } },
  idempotencyKey: 'msg-1'
}

describe('buildEventRequest', () => {
  it('builds the whole request, members in a fixed order', () => {
    expect(JSON.stringify(buildEventRequest(payload))).toBe(
      JSON.stringify({
        name: 'Order Completed',
        timestamp: '2024-05-01T10:00:00.000Z',
        user: { uid: 'user-1' },
        session: { use_most_recent: true },
        context: { browser: { url: 'https://example.com' }, location: { country: 'DE', region: 'DE-BE' } },
        properties: { total: 42.5, placedAt: '2024-05-01T10:00:00Z' },
        schema: { properties: { total: 'real', placedAt: 'date' } }
      })
    )
  })

  it('is deterministic: the same payload gives byte-identical JSON, whatever its key order', () => {
    const reordered = Object.fromEntries(Object.entries(payload).reverse()) as EventInput
    const first = JSON.stringify(buildEventRequest(payload))
    expect(JSON.stringify(buildEventRequest(payload))).toBe(first)
    expect(JSON.stringify(buildEventRequest(reordered))).toBe(first)
  })

  it('does not change the payload it is given', () => {
    const copy = JSON.parse(JSON.stringify(payload))
    buildEventRequest(payload)
    expect(payload).toEqual(copy)
  })

  it('leaves out what is empty: no timestamp, context, properties or schema keys', () => {
    expect(buildEventRequest({ name: 'x', sessionUrl: '1:2' })).toEqual({ name: 'x', session: { id: '1:2' } })
    expect(
      Object.keys(buildEventRequest({ name: 'x', userId: 'u', useRecentSession: true, properties: {}, context: {} }))
    ).toEqual(['name', 'user', 'session'])
  })

  it('throws PayloadValidationError for a payload FullStory would refuse', () => {
    expect(() => buildEventRequest({ name: ' ', userId: 'u' })).toThrow(PayloadValidationError)
    expect(() => buildEventRequest({ name: 'x' })).toThrow(PayloadValidationError)
    expect(() => buildEventRequest({ name: 'x', userId: 'u'.repeat(257) })).toThrow(PayloadValidationError)
  })
})

describe('identifyEvent', () => {
  it('form 1 carries the user form as fallback only when a User ID is known', () => {
    expect(identifyEvent({ sessionUrl: '1:2', userId: 'u', useRecentSession: true })).toEqual({
      identity: { session: { id: '1:2' } },
      fallback: { user: { uid: 'u' }, session: { use_most_recent: true } }
    })
    expect(identifyEvent({ sessionUrl: '1:2' })).toEqual({ identity: { session: { id: '1:2' } } })
  })

  it('a Session URL that holds no session: sent by User ID, and the answer says why', () => {
    expect(identifyEvent({ sessionUrl: 'https://app.fullstory.com/ui/o/session/123', userId: 'u' })).toEqual({
      identity: { user: { uid: 'u' } },
      note: 'Session URL holds no FullStory session id ("deviceId:sessionId" as its last path segment), so the event was sent by User ID.'
    })
    expect(() => identifyEvent({ sessionUrl: 'nope' })).toThrow(
      'FullStory cannot tell whose event this is: it has no User ID and its Session URL holds no FullStory session id'
    )
  })

  it('reads only true as Use Recent Session on: unset (a mapping saved before the field existed) is off', () => {
    expect(identifyEvent({ userId: 'u', useRecentSession: true }).identity).toEqual({
      user: { uid: 'u' },
      session: { use_most_recent: true }
    })
    expect(identifyEvent({ userId: 'u' }).identity).toEqual({ user: { uid: 'u' } })
    expect(identifyEvent({ userId: 'u', useRecentSession: null }).identity).toEqual({ user: { uid: 'u' } })
    expect(identifyEvent({ userId: 'u', useRecentSession: false }).identity).toEqual({ user: { uid: 'u' } })
  })

  it('treats a User ID of only spaces as missing, and accepts exactly 256 characters', () => {
    expect(() => identifyEvent({ userId: '   ' })).toThrow(/no User ID/)
    expect(identifyEvent({ userId: 'u'.repeat(256) }).identity.user).toEqual({ uid: 'u'.repeat(256) })
  })
})

describe('eventName', () => {
  it('trims, and keeps a name of 250 characters whole', () => {
    expect(eventName('  Signed Up\n')).toBe('Signed Up')
    expect(eventName('n'.repeat(MAX_EVENT_NAME_LENGTH))).toBe('n'.repeat(250))
  })

  it('cuts a longer name to 250 characters, counted as FullStory counts them (code points)', () => {
    expect(eventName('n'.repeat(251))).toBe('n'.repeat(250))
    expect(eventName('n'.repeat(249) + '😀😀')).toBe('n'.repeat(249) + '😀')
    expect(eventName('😀'.repeat(260))).toBe('😀'.repeat(250))
    expect(eventName('😀'.repeat(200))).toBe('😀'.repeat(200))
  })

  it.each([[''], ['   '], [undefined], [null]])('refuses %j', (name) => {
    expect(() => eventName(name)).toThrow(PayloadValidationError)
  })
})
