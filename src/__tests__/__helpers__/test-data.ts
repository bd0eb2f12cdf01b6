/**
 * Test data for snapshot tests, in the manner of the generator of Segment's action-destinations
 * monorepo (`generateTestData`, which its snapshot-test template calls), written for this package: one value per action field and per setting, from a seed.
 *
 * - Every field gets a fresh `Chance(seed)`, so fields of one type get the same value.
 * - By type: boolean `bool()`; datetime the constant 2021-02-01T00:00:00.000Z; integer and number
 *   within `minimum`/`maximum`; text `sentence()`; object its `properties` one by one, or
 *   `{ testType: string() }`; string and password by `format` (email, uri, uuid, date, date-time,
 *   ipv4, ipv6, hostname), else `string()`. `choices` pick one value; `multiple` wraps in a list.
 * - Fields named in REALISTIC_VALUES get a value of the right form (e.g. `email`).
 * - `isRequiredOnly` keeps the fields that are required, or whose key names an ID (contains `id`, as
 *   in the monorepo, or ends in `Id`, this package's camelCase keys such as `userId`) or contains
 *   `consent` (and, inside objects, only the required properties).
 * - Settings: every authentication field gets a value by type; choices are ignored. They use their
 *   own seed (`<seed>:settings`), so a generated API key never equals a field value that a snapshot
 *   shows.
 *
 * Dates are made from `timestamp()` and written in UTC, so the data does not depend on TZ.
 */
import { Chance } from 'chance'
import type { ActionDefinition, DestinationDefinition, GlobalSetting, InputField } from '@segment/actions-core'
import { PROPERTY_TYPES } from '../../api/properties'

// `any`, as the values feed `testAction` mappings and settings of any destination.
type Data = Record<string, any>
type AnyDestination = DestinationDefinition<any>
type AnyAction = ActionDefinition<any, any>

/**
 * Fields whose key asks for a value of a particular form. `propertyTypes` (both actions) declares
 * a valid type for `testType`, the key every generated object has, so that the snapshot shows the
 * request FullStory gets rather than an error for a random type name.
 */
export const REALISTIC_VALUES: Record<string, (chance: Chance) => unknown> = {
  email: (chance) => chance.email({ domain: 'example.com' }),
  currency: (chance) => chance.currency().code,
  phone_number: (chance) => chance.phone({ country: 'us', formatted: false }),
  propertyTypes: (chance) => ({ testType: chance.pickone(PROPERTY_TYPES) })
}

const DATETIME = '2021-02-01T00:00:00.000Z'

export function generateTestData(
  seed: string,
  destination: AnyDestination,
  action: AnyAction,
  isRequiredOnly: boolean
): [eventData: any, settingsData: any] {
  const fields = (action.fields ?? {}) as Record<string, InputField>
  const settingsFields = {
    ...(destination as { settings?: Record<string, GlobalSetting> }).settings,
    ...destination.authentication?.fields
  } as Record<string, GlobalSetting>
  return [generateFields(seed, fields, isRequiredOnly), generateSettings(seed, settingsFields)]
}

function wanted(key: string, field: InputField, isRequiredOnly: boolean): boolean {
  const namesAnId = key.includes('id') || key.endsWith('Id')
  return !isRequiredOnly || Boolean(field.required) || namesAnId || key.includes('consent')
}

function generateFields(seed: string, fields: Record<string, InputField>, isRequiredOnly: boolean): Data {
  const data: Data = {}
  for (const [key, field] of Object.entries(fields)) {
    if (!wanted(key, field, isRequiredOnly)) continue
    data[key] = fieldValue(new Chance(seed), seed, key, field, isRequiredOnly)
  }
  return data
}

function fieldValue(chance: Chance, seed: string, key: string, field: InputField, isRequiredOnly: boolean): unknown {
  const value = singleValue(chance, seed, key, field, isRequiredOnly)
  return field.multiple ? [value] : value
}

function singleValue(chance: Chance, seed: string, key: string, field: InputField, isRequiredOnly: boolean): unknown {
  const realistic = REALISTIC_VALUES[key]
  if (realistic) return realistic(chance)
  if (field.choices?.length) {
    const values = field.choices.map((choice) => (typeof choice === 'string' ? choice : choice.value))
    return chance.pickone(values)
  }
  switch (field.type) {
    case 'boolean':
      return chance.bool()
    case 'datetime':
      return DATETIME
    case 'integer':
      return chance.integer({ min: field.minimum ?? 0, max: field.maximum ?? 100000 })
    case 'number':
      return chance.floating({ min: field.minimum ?? 0, max: field.maximum ?? 100000, fixed: 2 })
    case 'text':
      return chance.sentence()
    case 'object':
      if (field.properties) {
        const data: Data = {}
        for (const [name, property] of Object.entries(field.properties)) {
          if (isRequiredOnly && !property.required) continue
          data[name] = fieldValue(new Chance(seed), seed, name, property as InputField, isRequiredOnly)
        }
        return data
      }
      return { testType: chance.string() }
    default:
      return stringValue(chance, field.format)
  }
}

function stringValue(chance: Chance, format: string | undefined): string {
  switch (format) {
    case 'email':
      return chance.email({ domain: 'example.com' })
    case 'uri':
      return chance.url()
    case 'uuid':
      return chance.guid({ version: 4 })
    case 'date':
      return new Date(chance.timestamp() * 1000).toISOString().slice(0, 10)
    case 'date-time':
      return new Date(chance.timestamp() * 1000).toISOString()
    case 'ipv4':
      return chance.ip()
    case 'ipv6':
      return chance.ipv6()
    case 'hostname':
      return chance.domain()
    default:
      return chance.string()
  }
}

function generateSettings(seed: string, fields: Record<string, GlobalSetting>): Data {
  const data: Data = {}
  for (const [key, field] of Object.entries(fields)) {
    const chance = new Chance(`${seed}:settings`)
    switch (field.type) {
      case 'boolean':
        data[key] = chance.bool()
        break
      case 'number':
        data[key] = chance.integer({ min: field.minimum ?? 0, max: field.maximum ?? 100000 })
        break
      default:
        data[key] = chance.string()
    }
  }
  return data
}
