import type { ActionDefinition, DestinationDefinition } from '@segment/actions-core'
import { generateTestData } from '../src/__tests__/__helpers__/test-data'

// Our copy of the monorepo's generateTestData (its snapshot tests' data) behaves as the original.

const destination = {
  name: 'Generator Example',
  mode: 'cloud',
  authentication: {
    scheme: 'custom',
    fields: {
      apiKey: { label: 'Key', description: 'Key', type: 'password', required: true },
      region: { label: 'Region', description: 'Region', type: 'string', choices: ['us', 'eu'] },
      retries: { label: 'Retries', description: 'Retries', type: 'number', minimum: 1, maximum: 3 }
    }
  },
  actions: {}
} as unknown as DestinationDefinition<any>

const action = {
  title: 'Example',
  description: 'Example',
  fields: {
    user_id: { label: 'User', description: 'User', type: 'string', required: true },
    anonymous_id: { label: 'Anon', description: 'Anon', type: 'string' },
    accountId: { label: 'Account', description: 'Account', type: 'string' },
    marketing_consent: { label: 'Consent', description: 'Consent', type: 'boolean' },
    name: { label: 'Name', description: 'Name', type: 'string' },
    email: { label: 'Email', description: 'Email', type: 'string' },
    url: { label: 'URL', description: 'URL', type: 'string', format: 'uri' },
    day: { label: 'Day', description: 'Day', type: 'string', format: 'date' },
    at: { label: 'At', description: 'At', type: 'datetime' },
    size: { label: 'Size', description: 'Size', type: 'integer', minimum: 5, maximum: 9 },
    plan: { label: 'Plan', description: 'Plan', type: 'string', choices: [{ label: 'Pro', value: 'pro' }] },
    tags: { label: 'Tags', description: 'Tags', type: 'string', multiple: true },
    free: { label: 'Free', description: 'Free', type: 'object' },
    shaped: {
      label: 'Shaped',
      description: 'Shaped',
      type: 'object',
      properties: {
        must: { label: 'Must', description: 'Must', type: 'string', required: true },
        may: { label: 'May', description: 'May', type: 'number' }
      }
    },
    propertyTypes: { label: 'Types', description: 'Types', type: 'object' }
  },
  perform: () => undefined
} as unknown as ActionDefinition<any, any>

describe('generateTestData', () => {
  it('gives the same data for the same seed, and other data for another seed', () => {
    expect(generateTestData('a#b', destination, action, false)).toEqual(
      generateTestData('a#b', destination, action, false)
    )
    expect(generateTestData('a#b', destination, action, false)).not.toEqual(
      generateTestData('a#c', destination, action, false)
    )
  })

  it('gives each field a value of its type and form', () => {
    const [data] = generateTestData('seed', destination, action, false)
    expect(typeof data.user_id).toBe('string')
    expect(data.name).toBe(data.user_id) // a fresh Chance(seed) per field, as the monorepo's generator
    expect(typeof data.marketing_consent).toBe('boolean')
    expect(data.email).toMatch(/^[^@\s]+@[^@\s]+$/)
    expect(data.url).toMatch(/^https?:\/\//)
    expect(data.day).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(data.at).toBe('2021-02-01T00:00:00.000Z')
    expect(data.size).toBeGreaterThanOrEqual(5)
    expect(data.size).toBeLessThanOrEqual(9)
    expect(data.plan).toBe('pro')
    expect(data.tags).toEqual([expect.any(String)])
    expect(data.free).toEqual({ testType: expect.any(String) })
    expect(data.shaped).toEqual({ must: expect.any(String), may: expect.any(Number) })
    expect(data.propertyTypes).toEqual(data.free)
  })

  it('keeps, for required fields only, the required ones and those whose key contains id or consent', () => {
    const [data] = generateTestData('seed', destination, action, true)
    expect(Object.keys(data)).toEqual(['user_id', 'anonymous_id', 'marketing_consent'])
  })

  it('gives every setting a value by type from the same seed, ignoring choices', () => {
    const [data, settings] = generateTestData('seed', destination, action, true)
    expect(Object.keys(settings)).toEqual(['apiKey', 'region', 'retries'])
    expect(settings.apiKey).toBe(data.user_id)
    expect(settings.region).toBe(data.user_id)
    expect(typeof settings.retries).toBe('number')
  })
})
