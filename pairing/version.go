package pairing

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// mappingContent is what of a pairing decides what a deal's records read as and are written as: the
// fields with their CRM names, directions, policies and value maps, the owner map, the bookkeeping
// fields and what a delete does. Names, SLAs, notifications and the pilot are not part of it: editing
// them changes nothing a mapping preview or apply could show.
type mappingContent struct {
	CRMs     [2]string                `json:"crms"`
	Deal     [2]connectors.DealFields `json:"deal"`
	Fields   []Field                  `json:"fields"`
	Owners   Owners                   `json:"owners"`
	OnDelete string                   `json:"onDelete,omitempty"`
}

// MappingVersion is a content hash of the pairing's mapping (see mappingContent), the same on every
// machine for the same file content. Each deal records the version it last completed a sync round
// with, so `cosell mapping apply` can tell which deals have caught up with an edited mapping.
func (p *Pairing) MappingVersion() string {
	b, err := json.Marshal(mappingContent{
		CRMs: [2]string{p.A.CRM, p.B.CRM}, Deal: [2]connectors.DealFields{p.A.Deal, p.B.Deal},
		Fields: p.Fields, Owners: p.Owners, OnDelete: string(p.OnDelete),
	})
	if err != nil {
		return "" // plain data: cannot happen; an empty version is never taken for a match
	}
	sum := sha256.Sum256(b)
	return "m-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:16])
}
