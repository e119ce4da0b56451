package pairing

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Note sharing modes.
const (
	ShareAll    = "all"
	ShareTagged = "tagged"
)

// DefaultNoteTag marks a note to share when a pairing shares tagged notes without naming a tag.
const DefaultNoteTag = "#partner"

// SharesNote reports whether a note crosses to the partner. Sharing only tagged notes is the default
// because notes often hold internal remarks; a tag counts only as a whole word ("#partners" or
// "x#partner" do not share), in any case, anywhere in the body.
func (p *Pairing) SharesNote(body string) bool {
	if p.Notes.Share == ShareAll {
		return true
	}
	tag := p.Notes.Tag
	if tag == "" {
		tag = DefaultNoteTag
	}
	return containsWord(strings.ToLower(body), strings.ToLower(tag))
}

// containsWord reports whether word occurs in s with no letter, digit or underscore right before or
// after it.
func containsWord(s, word string) bool {
	if word == "" {
		return false
	}
	for from := 0; from <= len(s)-len(word); {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(word)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (start == 0 || !isWordRune(before)) && (end == len(s) || !isWordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[start:])
		from = start + size
	}
	return false
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func decodeNotes(d *decoder, at, n *yaml.Node, p *Pairing) {
	p.Notes = Notes{Share: ShareTagged, Tag: DefaultNoteTag}
	if n == nil {
		return
	}
	o := d.object(at, n, "notes", "share", "tag")
	if o == nil {
		return
	}
	p.Notes.Share = d.choice(o, "share", ShareTagged, []string{ShareAll, ShareTagged})
	if o.keys["tag"] == nil {
		return
	}
	tag := ""
	if !isNull(o.node("tag")) {
		tag = d.str(o, "tag", false, "")
	}
	if tag == "" {
		if p.Notes.Share == ShareTagged {
			d.report(o.pos("tag"), "notes › tag is empty, so no note would be shared",
				fmt.Sprintf("write a tag such as %q (quoted: # starts a comment in YAML), remove tag to use %q, or set share: all", DefaultNoteTag, DefaultNoteTag))
		}
		return
	}
	p.Notes.Tag = tag
}
