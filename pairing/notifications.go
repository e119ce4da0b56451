package pairing

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultSlackWebhookEnv is the environment variable the examples use for the Slack webhook URL.
const DefaultSlackWebhookEnv = "COSELL_SLACK_WEBHOOK_URL"

// envName is a portable environment variable name, as POSIX shells and container runtimes accept it.
var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// secretHint is the fix for a webhook URL written into the pairing file. It never repeats the URL: the
// problem list is printed in CI logs.
const secretHint = "a webhook URL is a secret and the pairing file is kept in git: put the URL in an environment variable of the worker and write `webhook_url_env: " +
	DefaultSlackWebhookEnv + "`; if the URL was ever committed, regenerate the webhook in Slack"

func decodeNotifications(d *decoder, at, n *yaml.Node, p *Pairing) {
	p.Notifications = Notifications{CRMTasks: true}
	if n == nil {
		return
	}
	o := d.object(at, n, "notifications", "slack", "crm_tasks")
	if o == nil {
		return
	}
	if o.keys["slack"] != nil {
		p.Notifications.SlackWebhookURLEnv = d.slack(o)
	}
	p.Notifications.CRMTasks = d.boolean(o, "crm_tasks", true)
}

// slack reads notifications › slack and returns the name of the environment variable holding the
// webhook URL. A URL written in the file itself is refused without being repeated.
func (d *decoder) slack(parent *object) string {
	n := parent.node("slack")
	if n != nil && n.Kind == yaml.ScalarNode && looksLikeURL(n.Value) {
		d.report(n, "notifications › slack holds a webhook URL", secretHint)
		return ""
	}
	// A webhook_url or url key is accepted here only to be refused with the right hint: an unknown-key
	// hint would suggest webhook_url_env and leave the URL in it.
	known := []string{"webhook_url_env"}
	for _, trap := range []string{"webhook_url", "url"} {
		if hasKey(n, trap) {
			known = append(known, trap)
		}
	}
	o := d.object(parent.keys["slack"], n, "notifications › slack", known...)
	if o == nil {
		return ""
	}
	for _, key := range []string{"webhook_url", "url"} {
		if o.keys[key] != nil {
			d.report(o.keys[key], fmt.Sprintf("notifications › slack › %s: the pairing file names the environment variable holding the webhook URL, never the URL", key), secretHint)
		}
	}
	if o.keys["webhook_url"] != nil || o.keys["url"] != nil {
		return ""
	}
	v := d.str(o, "webhook_url_env", true, fmt.Sprintf("name the environment variable that holds the Slack incoming-webhook URL, e.g. %s", DefaultSlackWebhookEnv))
	switch {
	case v == "":
		return ""
	case looksLikeURL(v):
		d.report(o.pos("webhook_url_env"), "notifications › slack › webhook_url_env holds a URL, not the name of an environment variable", secretHint)
		return ""
	case !envName.MatchString(v):
		hint := "use upper-case letters, digits and _, not starting with a digit, e.g. " + DefaultSlackWebhookEnv
		if up := strings.ToUpper(strings.ReplaceAll(v, "-", "_")); envName.MatchString(up) {
			hint = "write it as " + up
		}
		d.report(o.pos("webhook_url_env"), fmt.Sprintf("invalid environment variable name %q in notifications › slack › webhook_url_env", v), hint)
		return ""
	}
	return v
}

// looksLikeURL catches a webhook URL pasted where a variable name belongs, with or without a scheme.
func looksLikeURL(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return strings.Contains(v, "://") || strings.HasPrefix(v, "hooks.slack.com") || strings.HasPrefix(v, "www.")
}

// boolean reads an optional true/false key, giving def when it is absent.
func (d *decoder) boolean(o *object, key string, def bool) bool {
	v := d.str(o, key, false, "")
	switch strings.ToLower(v) {
	case "":
		return def
	case "true":
		return true
	case "false":
		return false
	}
	d.report(o.pos(key), fmt.Sprintf("%s › %s must be true or false, not %q", o.path, key, v), fmt.Sprintf("write `%s: true` or `%s: false`", key, key))
	return def
}

// hasKey reports whether mapping n has key written out (not merged in).
func hasKey(n *yaml.Node, key string) bool {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == key {
			return true
		}
	}
	return false
}
