package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits Slack enforces on an incoming-webhook message.
const (
	maxBody        = 1 << 20
	maxBlocks      = 50
	maxBlockID     = 255
	maxHeaderText  = 150
	maxSectionText = 3000
	maxFields      = 10
	maxFieldText   = 2000
	maxContextElem = 10
	maxActionElems = 25
	maxButtonText  = 75
	maxButtonURL   = 3000
)

// payload is the part of a webhook message the fake reads.
type payload struct {
	Text        json.RawMessage `json:"text"`
	Blocks      json.RawMessage `json:"blocks"`
	Attachments json.RawMessage `json:"attachments"`
}

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type element struct {
	Type string      `json:"type"`
	Text *textObject `json:"text"`
	URL  string      `json:"url"`
}

type block struct {
	Type     string            `json:"type"`
	BlockID  string            `json:"block_id"`
	Text     *textObject       `json:"text"`
	Fields   []textObject      `json:"fields"`
	Elements []json.RawMessage `json:"elements"`
}

// readPayload reads a webhook post as Slack does: a JSON body, or a form with the JSON in "payload". It
// returns the text and the blocks, or Slack's error word and what the fake found wrong.
func readPayload(r *http.Request) (text string, blocks json.RawMessage, word, detail string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return "", nil, "invalid_payload", "body unreadable or larger than 1 MB"
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("payload") == "" {
			return "", nil, "invalid_payload", "a form post needs the message as JSON in payload"
		}
		body = []byte(form.Get("payload"))
	}
	var p payload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil || dec.More() {
		return "", nil, "invalid_payload", "the body is not one JSON object"
	}
	if len(p.Text) > 0 && string(p.Text) != "null" {
		if err := json.Unmarshal(p.Text, &text); err != nil {
			return "", nil, "invalid_payload", "text is not a string"
		}
	}
	hasBlocks := false
	if len(p.Blocks) > 0 && string(p.Blocks) != "null" {
		var bs []json.RawMessage
		if err := json.Unmarshal(p.Blocks, &bs); err != nil {
			return "", nil, "invalid_blocks_format", "blocks is not an array"
		}
		if msg := checkBlocks(bs); msg != "" {
			return "", nil, "invalid_blocks", msg
		}
		hasBlocks = len(bs) > 0
		blocks = p.Blocks
	}
	hasAttachments := len(p.Attachments) > 2 && string(p.Attachments) != "null"
	if strings.TrimSpace(text) == "" && !hasBlocks && !hasAttachments {
		return "", nil, "no_text", "a message needs text, blocks or attachments"
	}
	return text, blocks, "", ""
}

// checkBlocks checks blocks against the Block Kit rules a message must meet; "" when they do.
func checkBlocks(raw []json.RawMessage) string {
	if len(raw) > maxBlocks {
		return fmt.Sprintf("%d blocks, at most %d", len(raw), maxBlocks)
	}
	for i, r := range raw {
		var b block
		if err := json.Unmarshal(r, &b); err != nil {
			return fmt.Sprintf("block %d is not a block object", i)
		}
		if msg := checkBlock(b); msg != "" {
			return fmt.Sprintf("block %d (%s): %s", i, b.Type, msg)
		}
	}
	return ""
}

func checkBlock(b block) string {
	if utf8.RuneCountInString(b.BlockID) > maxBlockID {
		return "block_id longer than 255"
	}
	switch b.Type {
	case "header":
		if b.Text == nil || b.Text.Type != "plain_text" {
			return "a header needs plain_text text"
		}
		return checkText(*b.Text, maxHeaderText)
	case "section":
		if b.Text == nil && len(b.Fields) == 0 {
			return "a section needs text or fields"
		}
		if b.Text != nil {
			if msg := checkText(*b.Text, maxSectionText); msg != "" {
				return msg
			}
		}
		if len(b.Fields) > maxFields {
			return fmt.Sprintf("%d fields, at most %d", len(b.Fields), maxFields)
		}
		for _, f := range b.Fields {
			if msg := checkText(f, maxFieldText); msg != "" {
				return "field: " + msg
			}
		}
	case "context":
		if len(b.Elements) == 0 || len(b.Elements) > maxContextElem {
			return fmt.Sprintf("%d elements, 1 to %d", len(b.Elements), maxContextElem)
		}
		for _, raw := range b.Elements {
			var t textObject
			if err := json.Unmarshal(raw, &t); err != nil {
				var img struct {
					Type string `json:"type"`
				}
				if json.Unmarshal(raw, &img) == nil && img.Type == "image" {
					continue
				}
				return "an element is neither a text object nor an image"
			}
			if t.Type == "image" {
				continue
			}
			if msg := checkText(t, maxSectionText); msg != "" {
				return msg
			}
		}
	case "actions":
		if len(b.Elements) == 0 || len(b.Elements) > maxActionElems {
			return fmt.Sprintf("%d elements, 1 to %d", len(b.Elements), maxActionElems)
		}
		for _, raw := range b.Elements {
			var e element
			if err := json.Unmarshal(raw, &e); err != nil {
				return "an element is not an object"
			}
			if e.Type != "button" {
				continue
			}
			if e.Text == nil || e.Text.Type != "plain_text" {
				return "a button needs plain_text text"
			}
			if msg := checkText(*e.Text, maxButtonText); msg != "" {
				return "button: " + msg
			}
			if utf8.RuneCountInString(e.URL) > maxButtonURL {
				return "button url longer than 3000"
			}
		}
	case "divider", "image", "rich_text", "markdown", "file", "video", "input", "table":
	default:
		return "unknown block type"
	}
	return ""
}

func checkText(t textObject, limit int) string {
	if t.Type != "plain_text" && t.Type != "mrkdwn" {
		return fmt.Sprintf("text type %q is neither plain_text nor mrkdwn", t.Type)
	}
	if t.Text == "" {
		return "empty text"
	}
	if n := utf8.RuneCountInString(t.Text); n > limit {
		return fmt.Sprintf("text of %d characters, at most %d", n, limit)
	}
	return ""
}
