package notify

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Block Kit limits the message stays within (Slack refuses a message that breaks one with invalid_blocks).
const (
	maxHeaderText  = 150  // header block: plain_text
	maxSectionText = 3000 // section block: text
	maxFields      = 10   // section block: fields
	maxFieldText   = 2000 // each field
	maxFallback    = 3000 // top-level text: Slack takes more, but notifications show far less
)

// SlackPayload is an incoming-webhook message: text is the fallback shown in notifications and by
// clients that cannot render blocks; blocks are the message.
type SlackPayload struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks"`
}

// SlackBlock is one Block Kit layout block: a header (Text), a section (Text and/or Fields) or a context
// (Elements).
type SlackBlock struct {
	Type     string      `json:"type"`
	Text     *SlackText  `json:"text,omitempty"`
	Fields   []SlackText `json:"fields,omitempty"`
	Elements []SlackText `json:"elements,omitempty"`
}

// SlackText is a Block Kit text object, plain_text or mrkdwn.
type SlackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

func mrkdwn(s string) SlackText { return SlackText{Type: "mrkdwn", Text: s} }

// SlackMessage renders a notice for Slack: a header naming the event and the deal, the notice's sentence,
// the facts as fields (pairing, SLA, subject, deadline, level, who must act), and links to the deal in
// both CRMs.
//
// People are named with their e-mail address: an incoming webhook cannot look a Slack user up by e-mail
// to mention them. Links are mrkdwn links rather than link buttons, which Slack flags with a warning when
// the posting app has no interactivity set up, as a plain incoming webhook does not. The deadline uses
// Slack's date formatting, so each reader sees it in their own time zone (UTC in the fallback).
func SlackMessage(n Notice) SlackPayload {
	title := eventTitle(n)
	deal := n.DealName
	if deal == "" {
		deal = n.CoSellID
	}
	header := title
	if deal != "" {
		header += ": " + deal
	}
	blocks := []SlackBlock{{
		Type: "header",
		Text: &SlackText{Type: "plain_text", Text: truncate(eventEmoji(n.Event)+" "+header, maxHeaderText), Emoji: true},
	}}
	if n.Message != "" {
		t := mrkdwn(truncateEscaped(escapeMrkdwn(n.Message), maxSectionText))
		blocks = append(blocks, SlackBlock{Type: "section", Text: &t})
	}
	if fields := noticeFields(n); len(fields) > 0 {
		blocks = append(blocks, SlackBlock{Type: "section", Fields: fields})
	}
	if links := linkLine(n.Links); links != "" {
		t := mrkdwn(truncateLinks(links, maxSectionText))
		blocks = append(blocks, SlackBlock{Type: "section", Text: &t})
	}
	var ctx []string
	if n.CoSellID != "" {
		ctx = append(ctx, "Co-sell "+escapeMrkdwn(n.CoSellID))
	}
	if !n.At.IsZero() {
		ctx = append(ctx, slackDate(n.At))
	}
	if n.Key != "" {
		ctx = append(ctx, "notice "+escapeMrkdwn(n.Key))
	}
	if len(ctx) > 0 {
		blocks = append(blocks, SlackBlock{Type: "context", Elements: []SlackText{mrkdwn(truncateLinks(strings.Join(ctx, " · "), maxFieldText))}})
	}
	fallback := "[" + title + "] " + deal
	if n.Message != "" {
		fallback += " — " + n.Message
	}
	return SlackPayload{Text: truncateEscaped(escapeMrkdwn(fallback), maxFallback), Blocks: blocks}
}

// noticeFields are the facts of a notice as section fields, at most maxFields.
func noticeFields(n Notice) []SlackText {
	var out []SlackText
	add := func(label, value string) {
		if value == "" || len(out) == maxFields {
			return
		}
		out = append(out, mrkdwn(truncateLinks("*"+label+"*\n"+value, maxFieldText)))
	}
	pairing := n.PairingName
	if pairing == "" {
		pairing = n.PairingID
	}
	add("Pairing", escapeMrkdwn(pairing))
	add("SLA", escapeMrkdwn(slaLabel(n.SLAKind)))
	subjectLabel := "Subject"
	if n.Event == StageChanged || n.SLAKind == "stage" {
		subjectLabel = "Stage"
	}
	add(subjectLabel, escapeMrkdwn(n.Subject))
	if !n.Deadline.IsZero() {
		add("Deadline", slackDate(n.Deadline))
	}
	if n.Level > 0 {
		level := "L" + strconv.Itoa(n.Level)
		if n.LevelName != "" {
			level += " · " + escapeMrkdwn(n.LevelName)
		}
		add("Level", level)
	}
	who := "Notified"
	if n.Event.Actionable() {
		who = "Who must act"
	}
	add(who, recipientLines(n.Recipients, maxFieldText-len(who)-4))
	return out
}

// recipientLines lists people one per line, within limit bytes: "Name <mailto:…|e-mail> — Partner,
// role", and "and N more" for those that do not fit.
func recipientLines(rs []Recipient, limit int) string {
	var b strings.Builder
	for i, r := range rs {
		line := recipientLine(r)
		room := limit
		if left := len(rs) - i - 1; left > 0 {
			room -= len(fmt.Sprintf("\nand %d more", left))
		}
		if b.Len()+len(line)+1 > room {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "and %d more", len(rs)-i)
			break
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}

func recipientLine(r Recipient) string {
	var b strings.Builder
	if r.Name != "" {
		b.WriteString(escapeMrkdwn(r.Name) + " ")
	}
	if r.Email != "" {
		email := linkLabel(r.Email)
		if strings.ContainsAny(r.Email, "<>| ") {
			b.WriteString(escapeMrkdwn(r.Email))
		} else {
			b.WriteString("<mailto:" + r.Email + "|" + email + ">")
		}
	}
	var about []string
	if r.Partner != "" {
		about = append(about, escapeMrkdwn(r.Partner))
	}
	if r.Role != "" {
		about = append(about, escapeMrkdwn(r.Role))
	}
	if len(about) > 0 {
		b.WriteString(" — " + strings.Join(about, ", "))
	}
	return strings.TrimSpace(b.String())
}

// linkLine renders links as "*Open the deal:* <url|label> · <url|label>", skipping links that are not
// http(s) URLs.
func linkLine(links []Link) string {
	var parts []string
	for _, l := range links {
		u, err := url.Parse(strings.TrimSpace(l.URL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		label := l.Label
		if label == "" {
			label = u.Host
		}
		parts = append(parts, "<"+safeURL(u.String())+"|"+linkLabel(label)+">")
	}
	if len(parts) == 0 {
		return ""
	}
	return "*Open the deal:* " + strings.Join(parts, " · ")
}

// safeURL percent-encodes what would end or split a Slack link.
func safeURL(u string) string {
	return strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace(u)
}

// linkLabel escapes a link's label; a "|" would end it, so it becomes a broken bar.
func linkLabel(s string) string { return escapeMrkdwn(strings.ReplaceAll(s, "|", "¦")) }

// slackDate renders an instant with Slack's date formatting, shown in each reader's time zone, with a
// UTC fallback.
func slackDate(t time.Time) string {
	fallback := t.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), fallback)
}

// escapeMrkdwn escapes the three characters Slack's mrkdwn gives meaning to.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func eventTitle(n Notice) string {
	switch n.Event {
	case StageChanged:
		return "Stage changed"
	case SLAWarning:
		return "SLA due soon"
	case SLABreached:
		return "SLA breached"
	case SLAEscalated:
		if n.Level > 0 {
			return "Escalated to L" + strconv.Itoa(n.Level)
		}
		return "SLA escalated"
	case SLAResolved:
		return "SLA resolved"
	case BudgetPaused:
		return "API budget share used"
	case LeadChanged:
		return "New stage lead"
	}
	if n.Event == "" {
		return "Co-sell notice"
	}
	return string(n.Event)
}

func eventEmoji(e Event) string {
	switch e {
	case StageChanged:
		return ":arrows_counterclockwise:"
	case SLAWarning:
		return ":hourglass_flowing_sand:"
	case SLABreached:
		return ":rotating_light:"
	case SLAEscalated:
		return ":arrow_double_up:"
	case SLAResolved:
		return ":white_check_mark:"
	case BudgetPaused:
		return ":double_vertical_bar:"
	}
	return ":handshake:"
}

func slaLabel(kind string) string {
	switch kind {
	case "registration":
		return "Registration acceptance"
	case "request":
		return "Reply to a request"
	case "stage":
		return "Time in stage"
	}
	return kind
}

// truncate cuts s to at most n characters, ending with "…" when it cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// truncateEscaped truncates escaped mrkdwn without cutting an entity (&amp;) in half.
func truncateEscaped(s string, n int) string {
	t := truncate(s, n)
	if t == s {
		return s
	}
	body := strings.TrimSuffix(t, "…")
	if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.Contains(body[i:], ";") {
		body = body[:i]
	}
	return body + "…"
}

// truncateLinks truncates mrkdwn that may hold links (<…>) without cutting one in half.
func truncateLinks(s string, n int) string {
	t := truncateEscaped(s, n)
	if t == s {
		return s
	}
	body := strings.TrimSuffix(t, "…")
	if i := strings.LastIndexByte(body, '<'); i >= 0 && !strings.Contains(body[i:], ">") {
		body = body[:i]
	}
	return body + "…"
}
