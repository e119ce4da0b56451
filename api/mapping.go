package api

import (
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// Messages of a deal workflow for mapping changes (issue #11, item 3): `cosell mapping preview` reads
// a deal's engine state to run its remap in a copy of the engine, and `cosell mapping apply` asks the
// deal to run it itself.
const (
	// DealStateQuery returns the deal's engine state (DealState), as continue-as-new would carry it.
	DealStateQuery = "deal-state"
	// RemapUpdate asks a deal to load its pairing's policy and remap (RemapInput → RemapResult): read
	// every party again and take the new mapping's reading of an unchanged record as no edit, then
	// write what the records no longer hold in the new mapping's terms (engine/remap.go).
	RemapUpdate = "remap"
)

// RemapInput asks a deal to remap under one version of its pairing's mapping.
type RemapInput struct {
	// Mapping is the version (pairing.Pairing.MappingVersion) the admin previewed; the deal refuses
	// the remap when the worker serves another, so nothing is applied that was not previewed.
	Mapping string `json:"mapping"`
	// Via names the entry point, for the log: "cli".
	Via string `json:"via,omitempty"`
}

// RemapResult is the deal's answer: the policy and mapping it now decides with, the parties it will
// read, and when it accepted the remap (the remap is done once the deal completes a round after At,
// DealView.Remapping false).
type RemapResult struct {
	Policy  string       `json:"policy"`
	Mapping string       `json:"mapping"`
	Parties []vocab.Side `json:"parties"`
	At      time.Time    `json:"at"`
}
