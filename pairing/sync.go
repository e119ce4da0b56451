package pairing

import (
	"gopkg.in/yaml.v3"

	"github.com/cosellsync/cosell/vocab"
)

// decodeSync reads the optional sync section: what a deal does when a partner deletes its record.
//
//	sync:
//	  on_delete: unlink   # or recreate
func decodeSync(d *decoder, at, n *yaml.Node, p *Pairing) {
	p.OnDelete = vocab.Unlink
	if n == nil {
		return
	}
	o := d.object(at, n, "sync", "on_delete")
	if o == nil {
		return
	}
	p.OnDelete = vocab.OnDelete(d.choice(o, "on_delete", string(vocab.Unlink), []string{string(vocab.Unlink), string(vocab.Recreate)}))
}
