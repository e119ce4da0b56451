package api

import enumspb "go.temporal.io/api/enums/v1"

// SearchAttribute is a custom search attribute the product needs registered in its namespace.
type SearchAttribute struct {
	Name string
	Type enumspb.IndexedValueType
}

// SearchAttributes lists every custom search attribute the workflows and activities use, so that
// `cosell search-attributes register`, the deployment docs and the dev server all register one list.
// Add an attribute here when a workflow starts upserting it: a namespace without it fails every
// workflow task that upserts it.
var SearchAttributes = []SearchAttribute{
	{Name: CoSellRecordsAttribute, Type: enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST},
}
