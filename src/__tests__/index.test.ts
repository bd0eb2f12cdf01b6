import nock from 'nock'
import { createTestIntegration, Destination, PayloadValidationError } from '@segment/actions-core'
import definition from '../index'
import type { JSONObject } from '@segment/actions-core'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.test-key-0123456789abcdef'
const settings = { apiKey }

const expectedHeaders = {
  authorization: `Basic ${apiKey}`,
  'integration-source': 'segment',
  'content-type': 'application/json'
}

function withHeaders(scope: nock.Interceptor): nock.Interceptor {
  for (const [name, value] of Object.entries(expectedHeaders)) scope = scope.matchHeader(name, value)
  return scope
}

describe('FullStory Cloud Mode (Actions) destination', () => {
  let testDestination = createTestIntegration(definition)
  beforeEach(() => {
    testDestination = createTestIntegration(definition)
  })

  it('has the name and slug Segment knows it by', () => {
    expect(definition.name).toBe('Fullstory Cloud Mode (Actions)')
    expect(definition.slug).toBe('actions-fullstory-cloud')
    expect(definition.mode).toBe('cloud')
  })

  it('loads in a plain actions-core Destination (the fast-uri pin keeps a name with spaces working)', async () => {
    const destination = new Destination(definition)
    withHeaders(nock(API).get('/me')).reply(200, { email: 'a@example.com', orgId: 'o-1', role: 'USER' })
    await expect(destination.testAuthentication(settings)).resolves.not.toThrow()
  })

  describe('testAuthentication', () => {
    it('succeeds when GET /me answers 200, sending the exact headers', async () => {
      const scope = withHeaders(nock(API).get('/me')).reply(200, { email: '', orgId: 'o-1', role: 'ADMIN' })
      await expect(testDestination.testAuthentication(settings)).resolves.not.toThrow()
      expect(scope.isDone()).toBe(true)
    })

    it('says the key was rejected on 401, without repeating the key', async () => {
      withHeaders(nock(API).get('/me')).reply(401, { code: 'unauthorized', message: 'Unauthorized' })
      const error = await testDestination.testAuthentication(settings).catch((e: Error) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toContain('FullStory rejected the API key')
      expect((error as Error).message).toContain('401 unauthorized')
      expect((error as Error).message).not.toContain(apiKey)
    })

    it('requires an API key before sending anything', async () => {
      await expect(testDestination.testAuthentication({} as never)).rejects.toThrow(/apiKey/)
    })
  })

  describe('onDelete', () => {
    const deleteEvent = (userId?: string) => ({ type: 'delete' as const, userId, anonymousId: 'anon-1' })
    const deleteUser = (event: ReturnType<typeof deleteEvent>, settings: JSONObject) => {
      if (!testDestination.onDelete) throw new Error('the destination has no onDelete')
      return testDestination.onDelete(event, settings)
    }

    it('deletes the user by uid, URL-encoded', async () => {
      const scope = withHeaders(nock(API).delete('/v2/users').query({ uid: 'user 1/é&x=y' })).reply(200, {})
      await deleteUser(deleteEvent('user 1/é&x=y'), settings)
      expect(scope.isDone()).toBe(true)
    })

    it('encodes the uid in the query string exactly', async () => {
      const scope = nock(API).delete('/v2/users?uid=user%201%2F%C3%A9%26x%3Dy').reply(200, {})
      await deleteUser(deleteEvent('user 1/é&x=y'), settings)
      expect(scope.isDone()).toBe(true)
    })

    it('refuses a deletion without a userId and sends nothing', async () => {
      const error = await deleteUser(deleteEvent(undefined), settings).catch((e: Error) => e)
      expect(error).toBeInstanceOf(PayloadValidationError)
      expect((error as Error).message).toContain('no userId')
      expect(nock.pendingMocks()).toEqual([])
      expect(nock.isDone()).toBe(true)
    })

    it('treats 404 as success: FullStory holds no such user', async () => {
      nock(API)
        .delete('/v2/users')
        .query({ uid: 'gone' })
        .reply(404, { code: 'user_not_found', message: 'User with that ID does not exist' })
      await expect(deleteUser(deleteEvent('gone'), settings)).resolves.toEqual({ status: 404, deleted: false })
    })

    it('explains on 403 which key role deletion needs, as both FullStory sources state it', async () => {
      nock(API)
        .delete('/v2/users')
        .query({ uid: 'u1' })
        .reply(403, { code: 'forbidden', message: 'insufficient permissions' })
      const error = await deleteUser(deleteEvent('u1'), settings).catch((e: Error) => e)
      expect((error as Error).message).toBe(
        `This FullStory API key's role may not delete users (FullStory answered 403 forbidden "insufficient permissions"). ` +
          "Use a key with the Admin role: FullStory's developer docs allow Admin or Architect keys to delete users, " +
          "its help centre's user-management article asks for an Admin key."
      )
      expect((error as { status: number }).status).toBe(403)
    })
  })
})
