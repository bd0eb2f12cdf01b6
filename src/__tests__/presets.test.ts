import nock from 'nock'
import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../index'

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
