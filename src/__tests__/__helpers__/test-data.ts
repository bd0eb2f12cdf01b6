/**
 * `generateTestData` as Segment's action-destinations monorepo has it (`src/lib/test-data.ts`, which
 * the CLI's snapshot-test template imports; jest.config.js maps that import here), written for this
 * package and giving the same values for the same seed, so that the snapshots hold in both places:
 *
 * - each value from a fresh `Chance(seed)`: fields of one type get the same value;
 * - choices pick one; boolean `bool()`; datetime `2021-02-01T00:00:00.000Z`; integer and number
 *   within minimum/maximum (numbers with 2 decimals); text `sentence()`; object its properties one by
 *   one, else `{ testType: string() }`; strings by format, else `string()`;
 * - keys `email`, `currency` and `phone_number` get values of their kind; `multiple` wraps in a list;
 * - required only: fields that are required, or whose key contains `id` or `consent`;
 * - settings: each authentication field by type, from the same seed.
 *
 * `date` and `time` formats use the local time zone, as the monorepo's do: run with TZ=UTC.
 */
import { Chance } from 'chance'
import type { ActionDefinition, DestinationDefinition, InputField } from '@segment/actions-core'

type Data = Record<string, any>
type Field = Pick<InputField, 'type' | 'format' | 'choices' | 'minimum' | 'maximum' | 'multiple' | 'properties'>

const pad = (parts: number[], separator: string) => parts.map((part) => String(part).padStart(2, '0')).join(separator)
const range = (field: Field) => ({
  ...(field.minimum !== undefined && { min: field.minimum }),
  ...(field.maximum !== undefined && { max: field.maximum })
})

function value(seed: string, field: Field, key?: string): unknown {
  const chance = new Chance(seed)
  if (Array.isArray(field.choices)) {
    const choice = chance.pickone(field.choices as unknown[])
    return (choice as { value?: unknown }).value || choice
  }
  let result: unknown
  if (field.type === 'boolean') result = chance.bool()
  else if (field.type === 'datetime') result = '2021-02-01T00:00:00.000Z'
  else if (field.type === 'integer') result = chance.integer(range(field))
  else if (field.type === 'number') result = chance.floating({ ...range(field), fixed: 2 })
  else if (field.type === 'text') result = chance.sentence()
  else if (field.type === 'object') result = { testType: chance.string() }
  else {
    const date = () => chance.date()
    const byFormat: Record<string, () => unknown> = {
      date: () => ((d) => pad([d.getFullYear(), d.getMonth() + 1, d.getDate()], '-'))(date()),
      'date-time': () => date().toISOString(),
      email: () => chance.email(),
      hostname: () => chance.domain(),
      ipv4: () => chance.ip(),
      ipv6: () => chance.ipv6(),
      time: () => ((d) => pad([d.getHours(), d.getMinutes(), d.getSeconds()], ':'))(date()),
      uri: () => chance.url(),
      uuid: () => chance.guid()
    }
    result = (byFormat[field.format ?? ''] ?? (() => chance.string()))()
  }
  if (key === 'email') result = chance.email()
  if (key === 'currency') result = chance.currency().code
  if (key === 'phone_number') result = '+' + chance.phone({ formatted: false })
  return result
}

export function generateTestData(
  seed: string,
  destination: DestinationDefinition<any>,
  action: ActionDefinition<any, any>,
  isRequiredOnly: boolean
): [Data, Data] {
  const settings: Data = {}
  for (const [key, field] of Object.entries(destination.authentication?.fields ?? {})) {
    settings[key] = value(seed, { ...field, choices: undefined } as Field)
  }
  const event: Data = {}
  for (const [key, field] of Object.entries(action.fields as Record<string, InputField>)) {
    if (isRequiredOnly && !(field.required || key.includes('id') || key.includes('consent'))) continue
    let data: unknown
    if (field.properties) {
      const sub: Data = {}
      for (const [name, property] of Object.entries(field.properties)) {
        if (isRequiredOnly && !property.required) continue
        const inner = value(seed, property as Field, name)
        sub[name] = property.multiple ? [inner] : inner
      }
      data = sub
    } else if (key === 'consent') {
      data = { categoryPreferences: { analytics: true, marketing: false } }
    } else data = value(seed, field, key)
    event[key] = field.multiple ? [data] : data
  }
  return [event, settings]
}
