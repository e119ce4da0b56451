// Package mappingcheck holds the rules of `cosell mapping check`: whether a pairing's field mapping can
// work against the two CRMs as they are configured today. It is pure: the input is the validated
// pairing and each side's described schema (fields with their type, length, writability, picklist
// values, external-id and unique flags), users and, for HubSpot, deal pipelines; the output is a list of
// findings, each with a severity, a side, a field, a message and a hint. The CRM calls that gather the
// input live in the connectors (salesforce.Connector.DescribeObject and ListOwners, hubspot.Client
// Properties, ListOwners and DealPipelines); describe.go turns their answers into Side values.
//
// Why a separate step from pairing.Load: the file's own shape can be checked in CI without credentials,
// but whether StageName still has the value "Proposal/Price Quote", whether the integration user may
// write NextStep, or whether ops@globex.example is still a HubSpot owner, only the live CRMs know. Peers
// discover these at sync time as rejected writes; this reports them before a deal is touched.
//
// # Severities
//
// An error is a mapping that cannot work: a field missing, read-only where the sync writes, of a type
// that cannot hold the other side's values, a value-map value a restricted picklist refuses, a co-sell
// id that is not unique, an owner who does not exist or is inactive, a stage the pipeline lacks. A
// warning is a mapping that works but loses something: active picklist values with no entry in the
// value map (deals in them sync every field but that one, with a sync issue naming the value), a field
// shorter than the one feeding it, free text feeding a restricted picklist or a number field. The
// command exits 1 on an error, 0 with warnings only.
//
// # Fixes
//
// Plan lists what `--fix` can create: the missing HubSpot properties (type, field type and options
// derived from the mapping) and, for Salesforce, CustomField metadata, a permission set granting the
// integration user access to the mapped custom fields, and a package.xml (salesforce_metadata.go).
package mappingcheck
